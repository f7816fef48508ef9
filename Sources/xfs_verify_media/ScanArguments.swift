import ArgumentParser
import Glibc
import VerifyMedia

/// The options and PATH of a scan, the command line of the contract:
/// parsed and checked here, turned into `ScanSession.Settings`. Shared by
/// `ScanCommand` and `CompletionRoot`, so that shell completion offers them
/// without the `scan` word that may be left out.
struct ScanArguments: ParsableArguments {
    @Argument(help: ArgumentHelp("Mount point, path inside an XFS mount, or mounted XFS block device.", valueName: "PATH"),
              completion: .custom(Completions.scanTargets))
    var path: String?

    @Option(help: ArgumentHelp("What to verify: all allocated space (default); written file data only; whole devices, free space included.", valueName: "allocated|data|device"))
    var scope: ScanScope = .allocated

    @Option(parsing: .unconditional, help: ArgumentHelp("Devices to verify, comma-separated: data, log, rt (default: all the filesystem has).", valueName: "data,log,rt"),
            completion: .custom(Completions.deviceLists), transform: DeviceList.parse)
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

    @Option(help: ArgumentHelp("Also write the JSON report to FILE (atomically).", valueName: "FILE"), completion: .file())
    var report: String?

    @Option(name: .customShort("C"), help: ArgumentHelp("Write fsck-style progress lines (\"1 DONE TOTAL MOUNTPOINT\") to file descriptor FD.", valueName: "FD"))
    var progressFD: Int32?

    @Option(help: ArgumentHelp("Save progress to FILE every few seconds and when interrupted.", valueName: "FILE"), completion: .file())
    var checkpoint: String?

    @Flag(help: "Continue the scan saved in the --checkpoint file, never re-reading what it verified; starts afresh if the file does not exist or belongs to another scan.")
    var resume = false

    @Flag(help: "Like --resume, but only continue: do nothing (exit 0) when there is no checkpoint to resume; implies --resume.")
    var resumeOnly = false

    @Option(help: ArgumentHelp("Stop after DURATION with the progress saved in the --checkpoint file, e.g. 6h; the run exits 0 (a pause, not a failure).", valueName: "DURATION"))
    var maxRuntime: Interval?

    @Option(help: ArgumentHelp("Run only between these local times, e.g. 01:00-06:00: do nothing outside, stop at the end with the progress saved in the --checkpoint file and exit 0.", valueName: "HH:MM-HH:MM"),
            transform: WindowArgument.parse)
    var window: DailyWindow?

    @Flag(help: "Record this scan in the history of the filesystem and mark bad ranges new or known.")
    var history = false

    @Option(help: ArgumentHelp("Directory of history files (default /var/lib/xfs_verify_media); implies --history.", valueName: "DIR"),
            completion: .directory)
    var stateDir: String?

    @Option(help: ArgumentHelp("Do nothing if the last complete scan recorded in the history is younger than DURATION, e.g. 30d; implies --history.", valueName: "DURATION"))
    var interval: Interval?

    @Flag(help: "Read again only the ranges the history (or --recheck-from) knows to be bad, and say which read good now (healed) and which are still bad; recorded in the history.")
    var recheck = false

    @Option(help: ArgumentHelp("Recheck the bad ranges of this JSON report instead of the history's; implies --recheck.", valueName: "FILE"),
            completion: .file())
    var recheckFrom: String?

    @Option(help: ArgumentHelp("Write the scan's figures and progress to FILE in the node_exporter textfile format (atomically), e.g. /var/lib/prometheus/node-exporter/xfs_verify_media.prom.", valueName: "FILE"),
            completion: .file())
    var metrics: String?
    @Option(help: ArgumentHelp("After the scan, restore file data lost to bad sectors from the copy at the same relative path under DIR, when that copy matches every readable byte of the file.", valueName: "DIR"),
            completion: .directory)
    var restoreFrom: String?

    @Flag(help: "With --restore-from: write. Without it, only say what would be restored.")
    var yes = false

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
        if (resume || resumeOnly) && checkpoint == nil {
            throw ValidationError("--\(resumeOnly ? "resume-only" : "resume") needs --checkpoint FILE")
        }
        if (maxRuntime != nil || window != nil) && checkpoint == nil {
            throw ValidationError("--\(window != nil ? "window" : "max-runtime") needs --checkpoint FILE, where the progress is saved for the next run")
        }
        if let maxRuntime, !(maxRuntime.seconds > 0) {
            throw ValidationError("--max-runtime must be positive")
        }
        if let progressFD, fcntl(progressFD, F_GETFD) == -1 {
            throw ValidationError("-C \(progressFD): not an open file descriptor")
        }
        if isRecheck {
            let clashing = [("--checkpoint", checkpoint != nil), ("--resume", resume), ("--resume-only", resumeOnly),
                            ("--max-runtime", maxRuntime != nil), ("--window", window != nil), ("--interval", interval != nil),
                            ("--bench", bench), ("--metrics", metrics != nil)]
            if let (option, _) = clashing.first(where: { $0.1 }) {
                throw ValidationError("--recheck reads only known bad ranges: \(option) does not go with it")
            }
        }
        if verbose && quiet {
            throw ValidationError("--verbose and --quiet exclude each other")
        }
        if yes && restoreFrom == nil {
            throw ValidationError("--yes needs --restore-from DIR")
        }
        if restoreFrom != nil && json {
            throw ValidationError("--restore-from prints what it does; it cannot go with --json (use --report FILE)")
        }
    }

    var isRecheck: Bool { recheck || recheckFrom != nil }

    /// The recheck's settings, from the options.
    var recheckSettings: RecheckSession.Settings {
        var settings = RecheckSession.Settings(path: path ?? ".")
        settings.options = self.settings.options
        settings.engine = engine
        settings.reportFile = recheckFrom
        settings.historyDirectory = recheckFrom != nil && !history && stateDir == nil ? nil : stateDir ?? History.defaultDirectory
        return settings
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
        settings.resume = resume || resumeOnly
        settings.resumeOnly = resumeOnly
        settings.limits = RunLimits(maxRuntime: maxRuntime?.seconds, window: window)
        if history || stateDir != nil || interval != nil {
            settings.historyDirectory = stateDir ?? History.defaultDirectory
        }
        settings.interval = interval?.seconds
        return settings
    }
}
