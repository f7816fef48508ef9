import Foundation

/// Past scans of one filesystem (by UUID), kept in a small JSON file, so a
/// scheduled scan can tell new bad sectors from known ones and skip a run
/// when the last complete scan is recent enough.
public struct History: Codable, Sendable {
    public static let format = "xfs-verify-media-history/1"
    public static let defaultDirectory = "/var/lib/xfs_verify_media"
    /// Older runs are dropped beyond this many.
    static let keptRuns = 100

    public struct Run: Codable, Sendable {
        public var started: Double
        public var seconds: Double
        public var complete: Bool
        public var scope: ScanScope
        public var engine: EngineKind
        public var bytesVerified: UInt64
        public var badRanges: [Range]

        enum CodingKeys: String, CodingKey {
            case started, seconds, complete, scope, engine, bytesVerified = "bytes_verified", badRanges = "bad_ranges"
        }
    }

    public struct Range: Codable, Sendable, Hashable {
        public var device: DeviceRole
        public var startDaddr: UInt64
        public var endDaddr: UInt64
        public var error: String

        enum CodingKeys: String, CodingKey {
            case device, startDaddr = "start_daddr", endDaddr = "end_daddr", error
        }
    }

    public var format = History.format
    public var fsUUID: String
    public var runs: [Run]

    enum CodingKeys: String, CodingKey {
        case format, fsUUID = "fs_uuid", runs
    }

    public static func path(directory: String, uuid: String) -> String { "\(directory)/\(uuid).json" }

    /// The history at `directory`; empty when there is none yet.
    public static func load(directory: String, uuid: String) throws(VerifyMediaError) -> History {
        let file = path(directory: directory, uuid: uuid)
        guard let data = FileManager.default.contents(atPath: file) else {
            return History(fsUUID: uuid, runs: [])
        }
        guard let history = try? JSONDecoder().decode(History.self, from: data), history.format == format, history.fsUUID == uuid else {
            throw .operational("\(file): not a valid history file; move it away to start a new history")
        }
        return history
    }

    public func save(directory: String) throws(VerifyMediaError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .operational("\(directory): cannot create the history directory: \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(self) else { throw .operational("cannot encode the history") }
        do {
            // It names damaged files: for root's eyes only.
            try AtomicFile.write(Array(data), to: History.path(directory: directory, uuid: fsUUID), mode: 0o600)
        } catch {
            throw .operational("\(History.path(directory: directory, uuid: fsUUID)): cannot write the history: \(error)")
        }
    }

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
