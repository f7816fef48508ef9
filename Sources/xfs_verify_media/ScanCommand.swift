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

    @Argument(help: ArgumentHelp("Mount point, path inside an XFS mount, or mounted XFS block device.", valueName: "PATH"))
    var path: String?

    @Option(help: ArgumentHelp("What to verify: all allocated space (default); written file data only; whole devices, free space included.", valueName: "allocated|data|device"))
    var scope: ScanScope = .allocated

    @Option(parsing: .unconditional, help: ArgumentHelp("Devices to verify, comma-separated: data, log, rt (default: all the filesystem has).", valueName: "data,log,rt"),
            transform: DeviceList.parse)
    var device: DeviceList?

    @Option(help: ArgumentHelp("Read engine.", valueName: "auto|kernel|uring|aio|sync"))
    var engine: EngineChoice = .auto

    @Option(parsing: .unconditional, help: ArgumentHelp("Cap on bytes read per second over all devices, e.g. 200M (MiB/s) or 200MB.", valueName: "SIZE"),
            transform: ByteSize.parse)
    var rate: ByteSize?

    @Flag(name: [.short, .long], help: "Gentle mode for scheduled scrubs: idle I/O priority, low queue depth, 64 MiB/s unless --rate, and yield while other I/O is waiting on the device.")
    var background = false

    @Option(help: ArgumentHelp("Reads in flight per device: default 16, 2 with -b; for the kernel and sync engines, concurrent calls: default 16, 4 on rotational disks, 1 with -b.", valueName: "N"))
    var queueDepth: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Bytes per read (default 2M, 128K with -b): a multiple of 512 and of the devices' logical sector size, at most 64M.", valueName: "SIZE"),
            transform: ByteSize.parse)
    var ioSize: ByteSize?

    @Flag(help: "Do not report bad sectors to the kernel's health monitor (XFS_VERIFY_MEDIA_REPORT).")
    var noKernelReport = false

    @Flag(help: "Print the JSON report (schema xfs-verify-media/1) on stdout, and nothing else there.")
    var json = false

    @Option(help: ArgumentHelp("Also write the JSON report to FILE (atomically).", valueName: "FILE"))
    var report: String?

    @Option(name: .customShort("C"), help: ArgumentHelp("Write fsck-style progress lines (\"1 DONE TOTAL MOUNTPOINT\") to file descriptor FD.", valueName: "FD"))
    var progressFD: Int32?

    @Option(help: ArgumentHelp("Save progress to FILE every few seconds and when interrupted.", valueName: "FILE"))
    var checkpoint: String?

    @Flag(help: "Continue the scan saved in the --checkpoint file, never re-reading what it verified; starts afresh if the file does not exist or belongs to another scan.")
    var resume = false

    @Flag(help: "Record this scan in the history of the filesystem and mark bad ranges new or known.")
    var history = false

    @Option(help: ArgumentHelp("Directory of history files (default /var/lib/xfs_verify_media); implies --history.", valueName: "DIR"))
    var stateDir: String?

    @Option(help: ArgumentHelp("Do nothing if the last complete scan recorded in the history is younger than DURATION, e.g. 30d; implies --history.", valueName: "DURATION"))
    var interval: Interval?

    @Flag(help: "Benchmark: report throughput per device and group, and read latency percentiles.")
    var bench = false

    @Flag(name: .shortAndLong, help: "Say more: engine choice, tuning, per-device results.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Say less: only problems; nothing at all when everything is readable.")
    var quiet = false

    @Flag(name: .customShort("V"), help: "Print the version and exit.")
    var printVersion = false

    mutating func validate() throws {
        if path == nil && !printVersion {
            throw ValidationError("Missing expected argument 'PATH'")
        }
        do {
            try settings.options.validate()
        } catch {
            throw ValidationError(error.description)
        }
        if resume && checkpoint == nil {
            throw ValidationError("--resume needs --checkpoint FILE")
        }
        if let progressFD, fcntl(progressFD, F_GETFD) == -1 {
            throw ValidationError("-C \(progressFD): not an open file descriptor")
        }
        if verbose && quiet {
            throw ValidationError("--verbose and --quiet exclude each other")
        }
    }

    /// The session's settings, from the options.
    var settings: ScanSession.Settings {
        var settings = ScanSession.Settings(path: path ?? ".")
        settings.options.scope = scope
        settings.options.devices = device?.roles
        settings.options.queueDepth = queueDepth
        settings.options.ioSize = ioSize.map { Int(clamping: $0.bytes) }
        settings.options.rate = rate?.bytes
        settings.options.background = background
        settings.options.kernelReport = !noKernelReport
        settings.engine = engine
        settings.checkpoint = checkpoint
        settings.resume = resume
        if history || stateDir != nil || interval != nil {
            settings.historyDirectory = stateDir ?? History.defaultDirectory
        }
        settings.interval = interval?.seconds
        return settings
    }

    func execute() -> CommandExit {
        if printVersion {
            print("xfs_verify_media \(XfsVerifyMedia.version)")
            return .status([])
        }
        // First of all, before any thread exists: every thread started later
        // inherits the blocked signals, so only the watcher receives them.
        let stop = StopSignal()
        SignalWatcher.start(stop)
        let observer = ScanObserver(verbose: verbose, quiet: quiet, progressFD: progressFD)
        do throws(VerifyMediaError) {
            switch try ScanSession(settings).run(stop: stop, observer: observer) {
            case .skipped(let filesystem, let age):
                if !quiet {
                    observer.say("\(filesystem.mountPoint): last complete scan \(ScanCommand.formatAge(age)) ago, younger than --interval; nothing to do")
                }
                return .status([])
            case .scanned(let report, let checkpointSaved):
                try ReportOutput(json: json, file: self.report, bench: bench, verbose: verbose, quiet: quiet).write(report)
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
