/// Past scans of one filesystem (by UUID), kept in a small JSON file, so a
/// scheduled scan can tell new bad sectors from known ones and skip a run
/// when the last complete scan is recent enough.
public struct History: Sendable {
    public static let format = "xfs-verify-media-history/1"
    public static let defaultDirectory = "/var/lib/xfs_verify_media"
    /// Older runs are dropped beyond this many.
    static let keptRuns = 100

    public enum Kind: String, Sendable, CaseIterable {
        /// A scan of the scope.
        case scan
        /// `--recheck`: only the ranges known to be bad were read again.
        case recheck
    }

    public struct Run: Sendable {
        public var started: Double
        public var seconds: Double
        public var complete: Bool
        public var scope: ScanScope
        public var engine: EngineKind
        public var bytesVerified: UInt64
        /// For a recheck, the ranges still bad and those healed.
        public var badRanges: [Range]
        // Absent from the files of version 0.1.0:
        public var kind: Kind = .scan
        public var mountPoint: String?
        public var exitStatus: Int32?
        /// Stopped at its --max-runtime or --window deadline.
        public var paused = false
        public var filesAffected: Int?

        /// When it ended.
        public var ended: Double { started + seconds }
    }

    public struct Range: Sendable, Hashable {
        public var device: DeviceRole
        public var startDaddr: UInt64
        public var endDaddr: UInt64
        public var error: String
        /// New or known for a scan, known (still bad) or healed for a
        /// recheck; nil in files of version 0.1.0.
        public var status: RangeStatus?
        /// Who was hit, as the text report names them.
        public var owners: [String] = []

        public func overlaps(_ other: Range) -> Bool {
            device == other.device && startDaddr < other.endDaddr && other.startDaddr < endDaddr
        }
    }

    public enum RangeStatus: String, Sendable, CaseIterable {
        case new, known
        /// A recheck read it without error: the drive remapped the sectors.
        case healed
    }

    public var format = History.format
    public var fsUUID: String
    public var runs: [Run]

    public static func path(directory: String, uuid: String) -> String { "\(directory)/\(uuid).json" }

    /// The last complete scan of at least this scope (rechecks do not count).
    public func lastComplete(covering scope: ScanScope) -> Run? {
        lastCompleteIndex(covering: scope).map { runs[$0] }
    }

    /// Where in `runs` the last complete scan of at least this scope is.
    func lastCompleteIndex(covering scope: ScanScope) -> Int? {
        runs.lastIndex { $0.kind == .scan && $0.complete && ($0.scope == scope || $0.scope == .device || ($0.scope == .allocated && scope == .data)) }
    }

    public mutating func record(_ report: Report, kind: Kind = .scan, healed: [OwnedBadRange] = []) {
        let scan = report.scan
        func range(_ owned: OwnedBadRange, _ status: RangeStatus?) -> Range {
            Range(device: owned.bad.device, startDaddr: owned.bad.range.start >> 9, endDaddr: owned.bad.range.end >> 9,
                  error: owned.bad.error.name, status: status,
                  owners: TextReport.ownerDescriptions(owned, mountPoint: scan.filesystem.mountPoint))
        }
        let ranges = report.badRanges.map { range($0, kind == .recheck ? .known : $0.status.flatMap { RangeStatus(rawValue: $0.rawValue) }) }
        runs.append(Run(started: scan.started, seconds: scan.seconds, complete: scan.complete, scope: scan.scope,
                        engine: scan.engine, bytesVerified: scan.bytesVerified, badRanges: ranges + healed.map { range($0, .healed) },
                        kind: kind, mountPoint: scan.filesystem.mountPoint, exitStatus: report.exitStatus.rawValue,
                        paused: report.pausedByChoice, filesAffected: report.filesAffected))
        if runs.count > History.keptRuns { runs.removeFirst(runs.count - History.keptRuns) }
    }

    /// The ranges bad as far as the history knows: those of the last
    /// complete scan and of the scans after it, less those a later recheck
    /// read without error.
    public var knownBadRanges: [Range] {
        let lastComplete = runs.lastIndex { $0.kind == .scan && $0.complete } ?? runs.startIndex
        var ranges: [Range] = []
        for run in runs[lastComplete...] {
            switch run.kind {
            case .scan:
                for range in run.badRanges where !ranges.contains(where: { $0.overlaps(range) }) { ranges.append(range) }
            case .recheck:
                for healed in run.badRanges where healed.status == .healed {
                    ranges.removeAll { $0.overlaps(healed) && healed.startDaddr <= $0.startDaddr && $0.endDaddr <= healed.endDaddr }
                }
            }
        }
        return ranges.sorted { ($0.device, $0.startDaddr) < ($1.device, $1.startDaddr) }
    }
}
