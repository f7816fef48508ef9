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
        clean stop for systemd); otherwise an interrupted scan exits 4.

        Exit status, bits OR-ed: 0 all verified and readable; 1 media errors found; \
        2 media errors hit file data; 4 something in scope could not be verified \
        (permissions, engine failure, interruption, device gone); 8 usage error; \
        16 media errors not seen by the last complete scan recorded (--history).
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
        let observer = ScanObserver(verbose: verbose, quiet: quiet, progressFD: arguments.progressFD)
        do throws(VerifyMediaError) {
            switch try ScanSession(arguments.settings).run(stop: stop, observer: observer) {
            case .skipped(let filesystem, let age):
                if !quiet {
                    observer.say("\(filesystem.mountPoint): last complete scan \(ScanCommand.formatAge(age)) ago, younger than --interval; nothing to do")
                }
                return .status([])
            case .scanned(let report, let checkpointSaved):
                try ReportOutput(json: json, file: arguments.report, bench: bench, verbose: verbose, quiet: quiet).write(report)
                if checkpointSaved, case .signal(SIGTERM)? = report.scan.stopCause { return .signal(SIGTERM) }
                return .status(report.exitStatus)
            }
        } catch {
            observer.say(error.description)
            return .status(error.exitStatus)
        }
    }

    static func formatAge(_ seconds: Double) -> String {
        seconds >= 86400 ? "\(Int(seconds / 86400)) days" : seconds >= 3600 ? "\(Int(seconds / 3600)) hours" : "\(Int(seconds / 60)) minutes"
    }
}
