import Glibc

/// What the front end of a scan session hears while it runs.
public protocol ScanSessionObserver {
    /// Something worth a line on stderr. Warnings are for everyone (even
    /// with -q); notes only for those who asked to hear more.
    func warning(_ text: String)
    func note(_ text: String)
    /// Called every half second while the devices are read, and once at the end.
    func progress(_ progress: ScanProgress, filesystem: MountedFilesystem)
    /// The reads are over; the report follows.
    func scanFinished()
    /// The scan's state changed (once a second while it runs, and when it
    /// ends): for systemd's STATUS= and metrics.
    func stateChanged(_ state: ScanState)
}

extension ScanSessionObserver {
    public func stateChanged(_ state: ScanState) {}
}

/// One run of the `scan` command's policy, which scheduled scrubs rely on:
/// the privilege check, the probe, one scan per filesystem at a time
/// (`ScanLock`), `--interval` skips, resuming a checkpoint (and setting
/// aside one that cannot be resumed, so that a monthly run never gets
/// stuck), saving checkpoints as it goes, the owners of bad ranges, and the
/// history (new or known, exit bit 16). The command only parses options
/// into `Settings` and renders the `Outcome`.
public struct ScanSession {
    public struct Settings: Sendable {
        /// A mount point, a path inside an XFS mount, or a mounted XFS block device.
        public var path: String
        public var options = ScanOptions()
        public var engine: EngineChoice = .auto
        /// Where progress is saved while scanning, and removed once complete.
        public var checkpoint: String?
        /// Continue the scan saved in `checkpoint`.
        public var resume = false
        /// Only continue: do nothing when there is no checkpoint to resume.
        public var resumeOnly = false
        /// `--max-runtime`, `--window`: stop at the deadline with a checkpoint.
        public var limits = RunLimits()
        /// Directory of the per-filesystem history; nil for none.
        public var historyDirectory: String?
        /// Do nothing when the last complete scan is younger (seconds).
        public var interval: Double?
        /// Seconds between checkpoints.
        public var checkpointEvery: Double = 5
        public var lockDirectory = ScanLock.defaultDirectory
        /// Where the state file `status` reads goes; nil for none.
        public var stateDirectory: String? = ScanLock.defaultDirectory

        public init(path: String) { self.path = path }
    }

    public enum Outcome {
        /// `--interval`: the last complete scan, this many seconds ago, is recent enough.
        case skipped(filesystem: MountedFilesystem, age: Double)
        /// Nothing to do for another reason: the --window is closed, or
        /// --resume-only found no unfinished scan.
        case idle(filesystem: MountedFilesystem, reason: String)
        /// The scan ran (to the end or not); `checkpointSaved` when it
        /// stopped early and its progress is in the checkpoint file.
        case scanned(Report, checkpointSaved: Bool)
    }

    public let settings: Settings

    public init(_ settings: Settings) { self.settings = settings }

    /// Runs the session. `stop` ends the scan early (signals: start
    /// `SignalWatcher` before calling, as no thread may exist before it).
    public func run(stop: StopSignal, observer: some ScanSessionObserver) throws(VerifyMediaError) -> Outcome {
        try Privileges.checkCanScan()
        let filesystem = try FilesystemProbe.probe(settings.path)
        try settings.options.validate(for: filesystem)
        let lock: ScanLock?
        do {
            lock = try takeLock(filesystem, observer)
        } catch let error where settings.resumeOnly {
            // The scan to be continued is running (the monthly one): its business.
            return .idle(filesystem: filesystem, reason: "\(error); nothing to do")
        }
        defer { withExtendedLifetime(lock) {} }

        let history = try settings.historyDirectory.map { directory throws(VerifyMediaError) in
            try History.load(directory: directory, uuid: filesystem.geometry.uuid)
        }
        let now = Double(time(nil))
        if let interval = settings.interval, let last = history?.lastComplete(covering: settings.options.scope),
           now - last.started < interval {
            return .skipped(filesystem: filesystem, age: now - last.started)
        }
        let deadline = settings.limits.deadline(at: wallClockSeconds())
        if case .windowClosed(let window) = deadline {
            return .idle(filesystem: filesystem, reason: "outside the window \(window); nothing to do")
        }
        let selection = try EngineSelector.select(settings.engine, for: filesystem)
        selection.notes.forEach(observer.note)
        observer.note("\(filesystem.mountPoint): \(selection.kind.rawValue) engine, scope \(settings.options.scope.rawValue), devices \(filesystem.devices.map { "\($0.role) \($0.path)" }.joined(separator: ", "))")
        let earlier = try resumableCheckpoint(filesystem, observer)
        if settings.resumeOnly && earlier == nil {
            return .idle(filesystem: filesystem, reason: "no unfinished scan to resume; nothing to do")
        }

        let scanner = try Scanner(filesystem: filesystem, options: settings.options, engine: selection.kind, stop: stop,
                                  resuming: earlier)
        if scanner.kernelReporting == .enabled && selection.kind != .kernel {
            observer.note("\(filesystem.mountPoint): bad sectors are reported to the kernel's health monitor")
        }
        let tracker = ScanStateTracker(filesystem: filesystem, engine: selection.kind, scope: settings.options.scope,
                                       devices: scanner.progress.devices.map(\.role), earlier: earlier,
                                       lastComplete: history?.lastComplete(covering: settings.options.scope).map { $0.started + $0.seconds },
                                       directory: settings.stateDirectory)
        let started = monotonicNanoseconds()
        func elapsed() -> Double { Double(monotonicNanoseconds() - started) / 1e9 }
        var pauseReason: String?
        if case .after(let seconds, let reason) = deadline {
            pauseReason = reason
            observer.note("\(filesystem.mountPoint): this run stops in \(formatSeconds(seconds)), keeping its checkpoint (\(reason))")
        }
        let stopAt = deadline.stopTime(from: started)
        var lastSaved = started
        let result = scanner.run { scanner in
            if let stopAt, let pauseReason, monotonicNanoseconds() >= stopAt { stop.request(.requested(pauseReason)) }
            observer.progress(scanner.progress, filesystem: filesystem)
            tracker.update(scanner.progress, observer: observer)
            if let path = settings.checkpoint,
               Double(monotonicNanoseconds() - lastSaved) / 1e9 >= settings.checkpointEvery {
                save(scanner.checkpoint(resuming: earlier, seconds: elapsed()), to: path, observer)
                lastSaved = monotonicNanoseconds()
            }
        }.including(earlier)
        observer.progress(scanner.progress, filesystem: filesystem)
        tracker.update(scanner.progress, stopped: !result.complete, observer: observer)
        observer.scanFinished()
        var checkpointSaved = false
        let paused = !result.complete && pauseReason != nil && stop.cause == pauseReason.map(StopCause.requested)
        if let path = settings.checkpoint {
            if result.complete {
                unlink(path)
            } else {
                checkpointSaved = save(scanner.checkpoint(resuming: earlier, seconds: elapsed()), to: path, observer)
                if checkpointSaved && !paused { observer.warning("progress saved to \(path); continue with --resume") }
            }
        }

        let owners = OwnerResolver(filesystem: filesystem).resolve(result.badRanges)
        var report = Report(scan: result, badRanges: owners.ranges, errors: owners.errors)
        report.pausedByChoice = paused && checkpointSaved
        if var history, let directory = settings.historyDirectory {
            for index in report.badRanges.indices {
                report.badRanges[index].status = history.status(of: report.badRanges[index].bad, scope: result.scope)
            }
            history.record(report)
            do {
                try history.save(directory: directory)
            } catch {
                report.errors.append(error.description)
            }
        }
        tracker.finish(report, paused: report.pausedByChoice, history: history != nil, observer: observer)
        return .scanned(report, checkpointSaved: checkpointSaved)
    }

    /// The lock of the filesystem. Another scan holding it ends this one
    /// (exit 4, naming the holder); when no lock file can be made at all,
    /// a warning, and the scan goes on without: better than none.
    private func takeLock(_ filesystem: MountedFilesystem, _ observer: some ScanSessionObserver) throws(VerifyMediaError) -> ScanLock? {
        do {
            return try ScanLock.acquire(uuid: filesystem.geometry.uuid, directory: settings.lockDirectory)
        } catch .held(let holder, let path) {
            throw .operational("\(filesystem.mountPoint): another scan of this filesystem is running (\(holder); lock \(path))")
        } catch {
            observer.warning("\(filesystem.mountPoint): \(error); scanning without it")
            return nil
        }
    }

    /// The checkpoint to resume, if `--resume` and it fits this scan. One
    /// that does not (another filesystem, a grown one, another scope, an
    /// older format, a corrupt file) is moved to FILE.rejected with a
    /// warning, and the scan starts afresh.
    private func resumableCheckpoint(_ filesystem: MountedFilesystem, _ observer: some ScanSessionObserver) throws(VerifyMediaError) -> Checkpoint? {
        guard settings.resume, let path = settings.checkpoint else { return nil }
        do {
            let checkpoint = try Checkpoint.load(from: path, for: filesystem, scope: settings.options.scope)
            observer.note("\(path): \(checkpoint == nil ? "no checkpoint, starting afresh" : "resuming")")
            return checkpoint
        } catch {
            let rejected = path + ".rejected"
            guard rename(path, rejected) == 0 else {
                throw .operational("\(error); cannot move it aside: \(Errno.current)")
            }
            observer.warning("\(error); moved to \(rejected), starting afresh")
            return nil
        }
    }

    @discardableResult
    private func save(_ checkpoint: Checkpoint, to path: String, _ observer: some ScanSessionObserver) -> Bool {
        do {
            try checkpoint.save(to: path)
            return true
        } catch {
            observer.warning("\(path): cannot save checkpoint: \(error)")
            return false
        }
    }
}
