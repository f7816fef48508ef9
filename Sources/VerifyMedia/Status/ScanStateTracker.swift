import Glibc

/// Keeps a scan's `ScanState` up to date from the scan session's thread:
/// the rate and time left from progress snapshots, the outcome at the end,
/// and the state file rewritten at most once a second (and at the end).
/// A state file that cannot be written costs one warning, not the scan.
final class ScanStateTracker {
    private(set) var state: ScanState
    private let directory: String?
    private var window = ThroughputWindow()
    private var lastWritten: UInt64 = 0
    private var warned = false
    /// Bytes done before this run (a resumed scan), per device.
    private let earlier: [DeviceRole: UInt64]

    /// `directory`: where the state file goes; nil for none (the tests' own runs).
    init(filesystem: MountedFilesystem, engine: EngineKind, scope: ScanScope, devices: [DeviceRole], earlier: Checkpoint?,
         lastComplete: Double?, directory: String?) {
        self.directory = directory
        var before: [DeviceRole: UInt64] = [:]
        for mark in earlier?.devices ?? [] { before[mark.role] = mark.bytesPlanned }
        self.earlier = before
        let uuid = filesystem.geometry.uuid
        let previous = directory.flatMap { ScanStateFile.read(directory: $0, uuid: uuid)?.lastOutcome }
        let now = wallClockSeconds()
        state = ScanState(
            fsUUID: uuid, mountPoint: filesystem.mountPoint, phase: .running, pid: getpid(),
            pidStart: ScanStateFile.processStartTime(getpid()) ?? 0, started: now, updated: now, engine: engine, scope: scope,
            devices: filesystem.devices.filter { devices.contains($0.role) }.map { ScanState.Device(role: $0.role, path: $0.path) },
            bytesPerSecond: 0, secondsLeft: nil, outcome: nil, previous: previous,
            lastComplete: [lastComplete, previous.flatMap { $0.complete ? $0.ended : nil }].compactMap { $0 }.max())
    }

    /// A progress snapshot of this run; returns whether the state file was
    /// rewritten (once a second at most).
    @discardableResult
    /// `stopped`: the scan stopped early, and what it did not read is no
    /// longer counted as planned; the totals seen before stay.
    func update(_ progress: ScanProgress, stopped: Bool = false, observer: some ScanSessionObserver) -> Bool {
        let now = monotonicNanoseconds()
        let rate = window.add(time: now, bytes: progress.bytesRead)
        for device in progress.devices {
            guard let index = state.devices.firstIndex(where: { $0.role == device.role }) else { continue }
            let before = earlier[device.role] ?? 0
            state.devices[index].bytesDone = before + device.bytesDone
            let total = before + max(device.bytesTotal, device.bytesDone)
            state.devices[index].bytesTotal = stopped ? max(state.devices[index].bytesTotal, total) : total
            state.devices[index].bytesRead = device.bytesRead
            state.devices[index].bytesVerified = device.bytesVerified
            state.devices[index].badSectors = device.badSectors
        }
        state.bytesPerSecond = rate
        state.secondsLeft = ThroughputWindow.secondsLeft(remaining: progress.bytesTotal - min(progress.bytesTotal, progress.bytesDone),
                                                         done: progress.bytesDone, read: progress.bytesRead, readRate: rate)
        state.updated = wallClockSeconds()
        guard now - lastWritten >= 1_000_000_000 || lastWritten == 0 else { return false }
        lastWritten = now
        save(observer)
        return true
    }

    /// The scan ended: its outcome, from the report with owners and history.
    func finish(_ report: Report, paused: Bool, history: Bool, observer: some ScanSessionObserver) {
        let scan = report.scan
        let now = wallClockSeconds()
        var devices: [ScanState.Device] = []
        for result in scan.devices {
            let role = result.device.role
            let ranges = report.badRanges.filter { $0.bad.device == role }
            let files = Set(ranges.flatMap(\.owners).compactMap { if case .file(let file) = $0 { file.inode } else { nil } })
            let current = state.devices.first { $0.role == role }
            devices.append(ScanState.Device(role: role, path: result.device.path, bytesDone: current?.bytesDone ?? 0,
                                            bytesTotal: current?.bytesTotal ?? 0, bytesRead: result.bytesRead,
                                            bytesVerified: result.bytesVerified, badSectors: result.badSectors,
                                            badRanges: ranges.count, newBadRanges: ranges.filter { $0.status == .new }.count,
                                            filesAffected: files.count))
        }
        let outcome = ScanState.Outcome(
            started: scan.started, ended: now, seconds: scan.seconds, complete: scan.complete, paused: paused,
            stopReason: scan.stopReason, exitStatus: report.exitStatus.rawValue, engine: scan.engine,
            badRanges: report.badRanges.count, newBadRanges: history ? report.newBadRanges : nil,
            knownBadRanges: history ? report.badRanges.filter { $0.status == .known }.count : nil,
            badSectors: scan.badSectors, filesAffected: report.filesAffected, devices: devices,
            fraction: scan.complete ? 1 : ScanState.fraction(done: devices.reduce(0) { $0 + $1.bytesDone },
                                                             total: devices.reduce(0) { $0 + $1.bytesTotal }))
        state.devices = devices
        state.phase = .finished
        state.updated = now
        state.secondsLeft = nil
        state.outcome = outcome
        if scan.complete { state.lastComplete = now }
        save(observer)
    }

    private func save(_ observer: some ScanSessionObserver) {
        observer.stateChanged(state)
        guard let directory else { return }
        do {
            try ScanStateFile.write(state, directory: directory)
        } catch {
            if !warned { observer.warning("\(ScanStateFile.path(directory: directory, uuid: state.fsUUID)): cannot write the scan's state: \(error)") }
            warned = true
        }
    }
}
