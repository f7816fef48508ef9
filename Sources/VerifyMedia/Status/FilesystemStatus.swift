/// What `xfs_verify_media status` says of one filesystem: the scan running
/// now (from its state file), one that died without finishing (a state
/// file left "running" by a process that is gone), and the last scan that
/// finished (from the state file, or the history, whichever is newer).
public struct FilesystemStatus: Sendable {
    public var fsUUID: String
    public var mountPoint: String?
    public var running: ScanState?
    /// The state file of a scan whose process is gone (killed, crashed).
    public var abandoned: ScanState?
    public var last: ScanState.Outcome?

    /// Every filesystem with a state file in `runDirectory` or a history in
    /// `historyDirectory` (only `uuid` when given). Histories that cannot
    /// be read are passed over; `problems` says which.
    public static func collect(runDirectory: String, historyDirectory: String?, uuid: String? = nil)
        -> (statuses: [FilesystemStatus], problems: [String]) {
        var byUUID: [String: FilesystemStatus] = [:]
        var problems: [String] = []
        let states = uuid.map { ScanStateFile.read(directory: runDirectory, uuid: $0).map { [$0] } ?? [] }
            ?? ScanStateFile.all(directory: runDirectory)
        for state in states {
            var status = FilesystemStatus(fsUUID: state.fsUUID, mountPoint: state.mountPoint)
            if state.phase == .running {
                if ScanStateFile.isAlive(state) { status.running = state } else { status.abandoned = state }
            }
            status.last = state.lastOutcome
            byUUID[state.fsUUID] = status
        }
        if let historyDirectory {
            let uuids = uuid.map { [$0] } ?? History.recorded(directory: historyDirectory)
            for id in uuids {
                let history: History
                do {
                    history = try History.load(directory: historyDirectory, uuid: id)
                } catch {
                    problems.append(error.description)
                    continue
                }
                guard let run = history.runs.last(where: { $0.kind == .scan }) else { continue }
                var status = byUUID[id] ?? FilesystemStatus(fsUUID: id, mountPoint: run.mountPoint)
                if status.mountPoint == nil { status.mountPoint = run.mountPoint }
                if status.last.map({ $0.ended < run.ended - 1 }) ?? true { status.last = ScanState.Outcome(run) }
                byUUID[id] = status
            }
        }
        let statuses = byUUID.values.sorted { ($0.mountPoint ?? "~" + $0.fsUUID) < ($1.mountPoint ?? "~" + $1.fsUUID) }
        return (statuses, problems)
    }
}

extension ScanState.Outcome {
    /// A run as the history recorded it (per-device figures are not kept).
    init(_ run: History.Run) {
        let bad = run.badRanges.filter { $0.status != .healed }
        let statuses = bad.compactMap(\.status)
        let counted = !bad.isEmpty && statuses.count == bad.count
        self.init(started: run.started, ended: run.ended, seconds: run.seconds, complete: run.complete, paused: run.paused,
                  stopReason: nil, exitStatus: run.exitStatus, engine: run.engine, badRanges: bad.count,
                  newBadRanges: counted ? statuses.filter { $0 == .new }.count : (bad.isEmpty && run.exitStatus != nil ? 0 : nil),
                  knownBadRanges: counted ? statuses.filter { $0 == .known }.count : (bad.isEmpty && run.exitStatus != nil ? 0 : nil),
                  badSectors: bad.reduce(0) { $0 + ($1.endDaddr - $1.startDaddr) }, filesAffected: run.filesAffected ?? 0, devices: [],
                  fraction: run.complete ? 1 : nil)
    }
}

extension History {
    /// The UUIDs of the histories in `directory`.
    public static func recorded(directory: String) -> [String] { recorded(names: directoryEntries(directory)) }

    /// The UUIDs of those `names` that are history files ("UUID.json").
    public static func recorded(names: [String]) -> [String] {
        names.compactMap { name in
            guard name.hasSuffix(".json") else { return nil }
            let uuid = name.dropLast(5)
            let dashes = uuid.indices.filter { uuid[$0] == "-" }.map { uuid.distance(from: uuid.startIndex, to: $0) }
            return uuid.count == 36 && dashes == [8, 13, 18, 23] && uuid.allSatisfy { $0.isHexDigit || $0 == "-" } ? String(uuid) : nil
        }.sorted()
    }
}
