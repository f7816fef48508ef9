/// Past scans of one filesystem (by UUID), kept in a small JSON file, so a
/// scheduled scan can tell new bad sectors from known ones and skip a run
/// when the last complete scan is recent enough.
public struct History: Sendable {
    public static let format = "xfs-verify-media-history/1"
    public static let defaultDirectory = "/var/lib/xfs_verify_media"
    /// Older runs are dropped beyond this many.
    static let keptRuns = 100

    public struct Run: Sendable {
        public var started: Double
        public var seconds: Double
        public var complete: Bool
        public var scope: ScanScope
        public var engine: EngineKind
        public var bytesVerified: UInt64
        public var badRanges: [Range]
    }

    public struct Range: Sendable, Hashable {
        public var device: DeviceRole
        public var startDaddr: UInt64
        public var endDaddr: UInt64
        public var error: String
    }

    public var format = History.format
    public var fsUUID: String
    public var runs: [Run]

    public static func path(directory: String, uuid: String) -> String { "\(directory)/\(uuid).json" }

    /// The last complete scan of at least this scope.
    public func lastComplete(covering scope: ScanScope) -> Run? {
        runs.last { $0.complete && ($0.scope == scope || $0.scope == .device || ($0.scope == .allocated && scope == .data)) }
    }

    public mutating func record(_ report: Report) {
        let scan = report.scan
        runs.append(Run(started: scan.started, seconds: scan.seconds, complete: scan.complete, scope: scan.scope,
                        engine: scan.engine, bytesVerified: scan.bytesVerified,
                        badRanges: report.badRanges.map {
                            Range(device: $0.bad.device, startDaddr: $0.bad.range.start >> 9, endDaddr: $0.bad.range.end >> 9,
                                  error: $0.bad.error.name)
                        }))
        if runs.count > History.keptRuns { runs.removeFirst(runs.count - History.keptRuns) }
    }
}
