import ArgumentParser
import Glibc
import VerifyMedia

/// `xfs_verify_media [scan] [options] PATH`: the options of the contract,
/// parsed into `ScanSession.Settings`; the session does the rest, and the
/// report is rendered here.
struct ScanCommand: VerifyMediaCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Find unreadable sectors under a mounted XFS filesystem and name the files and metadata they hit.",
        discussion: """
        PATH is a mount point, a path inside an XFS mount, or a mounted XFS block device. \
        The scan is read-only: devices are opened O_RDONLY|O_DIRECT and never written. \
        Bad ranges are pinpointed to the device's logical sector and mapped to their owners \
        with GETFSMAP (needs root; names files on filesystems with rmapbt).

        Engines: 'kernel' is XFS_IOC_VERIFY_MEDIA (Linux 7.0), which also reports bad blocks \
        to the kernel's health monitor; 'uring' (io_uring), 'aio' (libaio) and 'sync' (pread) \
        read the block devices from user space. 'auto' takes the first that works. Where the \
        kernel has XFS_IOC_VERIFY_MEDIA, the bad sectors the other engines find are reported \
        to it too, one sector at a time (--no-kernel-report turns that off).

        SIZE takes K, M, G, T (powers of 1024; KiB, MiB, GiB, TiB too) or KB, MB, GB, TB \
        (powers of 1000), as dd does. DURATION takes s, m, h, d, w, mo, y.

        Only one scan of a filesystem runs at a time: a second one says which process \
        holds /run/xfs_verify_media/UUID.lock and exits 4. A checkpoint that cannot be \
        resumed (another filesystem, a grown one, another scope or version) is moved to \
        FILE.rejected with a warning, and the scan starts afresh. Stopped by SIGTERM with \
        its progress saved in the --checkpoint file, the scan ends by SIGTERM itself (a \
        clean stop for systemd); otherwise an interrupted scan exits 4. A scan stopped at its \
        --max-runtime or --window deadline with its checkpoint saved is paused, not failed: \
        it exits 0 (media errors found so far still set their bits).

        While it runs, 'xfs_verify_media status' in another shell shows its progress (from \
        /run/xfs_verify_media/UUID.state); under systemd, STATUS= lines do (Type=notify). \
        When stderr is the journal (JOURNAL_STREAM), each finding and the summary also go to \
        journald, with a MESSAGE_ID per kind and fields (man page, JOURNAL).

        Exit status, bits OR-ed: 0 all verified and readable; 1 media errors found; \
        2 media errors hit file data; 4 something in scope could not be verified \
        (permissions, engine failure, interruption, device gone); 8 usage error; \
        16 media errors not seen by the last complete scan recorded (--history); \
        32 (watch) another program holds the filesystem's health monitor.

        Watching (Linux 7.0): 'xfs_verify_media watch [options] PATH' follows the \
        kernel's health monitor of one filesystem, verifies and names what it \
        reports, repairs metadata and restores lost data when asked; \
        'xfs_verify_media watch-mounts [--dry-run]' starts a watcher for every XFS \
        mount. See 'xfs_verify_media watch --help'.
        """,
        version: XfsVerifyMedia.version
    )

    @OptionGroup var arguments: ScanArguments

    func execute() -> CommandExit {
        let arguments = self.arguments
        let (verbose, quiet, json, bench) = (arguments.verbose, arguments.quiet, arguments.json, arguments.bench)
        if arguments.printVersion {
            print("xfs_verify_media \(XfsVerifyMedia.version)")
            return .status([])
        }
        // First of all, before any thread exists: every thread started later
        // inherits the blocked signals, so only the watcher receives them.
        let stop = StopSignal()
        SignalWatcher.start(stop)
        // Under a Type=notify unit: running from now on (a run that has
        // nothing to do ends before any scan would have said so).
        let notify = SystemdNotify()
        notify?.send(["READY=1"])
        let observer = ScanObserver(verbose: verbose, quiet: quiet, progressFD: arguments.progressFD, notify: notify,
                                    metrics: arguments.metrics)
        if arguments.isRecheck { return recheck(stop: stop, observer: observer) }
        do throws(VerifyMediaError) {
            switch try ScanSession(arguments.settings).run(stop: stop, observer: observer) {
            case .skipped(let filesystem, let age):
                if !quiet {
                    observer.say("\(filesystem.mountPoint): last complete scan \(ScanCommand.formatAge(age)) ago, younger than --interval; nothing to do")
                }
                return .status([])
            case .idle(let filesystem, let reason):
                if !quiet { observer.say("\(filesystem.mountPoint): \(reason)") }
                notify?.send(["STOPPING=1", "STATUS=\(reason)"])
                return .status([])
            case .scanned(let report, let checkpointSaved):
                observer.journal(report)
                try ReportOutput(json: json, file: arguments.report, bench: bench, verbose: verbose, quiet: quiet).write(report)
                if report.pausedByChoice, let path = arguments.checkpoint {
                    // Also with -q: the journal tells that the scan goes on next time.
                    let done = observer.state?.outcome?.fraction.map(StatusText.percent) ?? "?"
                    let next = arguments.window != nil ? "resumes next window" : "resumes with --resume"
                    observer.say("\(report.scan.filesystem.mountPoint): paused, \(done) done, \(next) (progress in \(path))")
                }
                if let backup = arguments.restoreFrom {
                    let restore = RestoreOptions(backupDirectory: backup, commit: arguments.yes)
                    let lines = Restorer(filesystem: report.scan.filesystem, options: restore, engine: report.scan.engine).restore(report)
                    if !lines.isEmpty { Output.standardOutput.write(lines.map(\.message).joined(separator: "\n") + "\n") }
                }
                if checkpointSaved, case .signal(SIGTERM)? = report.scan.stopCause { return .signal(SIGTERM) }
                return .status(report.exitStatus)
            }
        } catch {
            observer.say(error.description)
            return .status(error.exitStatus)
        }
    }

    /// --recheck: the ranges still bad as the report has them, then those healed.
    private func recheck(stop: StopSignal, observer: ScanObserver) -> CommandExit {
        do throws(VerifyMediaError) {
            let outcome = try RecheckSession(arguments.recheckSettings).run(stop: stop, observer: observer)
            let rendered = RecheckReport(outcome)
            let encoded = Array((rendered.json.serialized() + "\n").utf8)
            if let file = arguments.report {
                do {
                    try AtomicFile.write(encoded, to: file)
                } catch {
                    throw .operational("\(file): cannot write the report: \(error)")
                }
            }
            let report = outcome.report
            if arguments.json {
                Output.standardOutput.write(String(decoding: encoded, as: UTF8.self))
            } else {
                var lines = TextReport(report).findingLines
                if !arguments.quiet { lines += rendered.healedLines + [rendered.summaryLine] }
                if !lines.isEmpty { Output.standardOutput.write(lines.joined(separator: "\n") + "\n") }
            }
            return .status(report.exitStatus)
        } catch {
            observer.say(error.description)
            return .status(error.exitStatus)
        }
    }

    static func formatAge(_ seconds: Double) -> String {
        seconds >= 86400 ? "\(Int(seconds / 86400)) days" : seconds >= 3600 ? "\(Int(seconds / 3600)) hours" : "\(Int(seconds / 60)) minutes"
    }
}
