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

    @Flag(help: "Record this scan in the history of the filesystem and mark bad ranges new or known.")
    var history = false

    @Option(help: ArgumentHelp("Directory of history files (default /var/lib/xfs_verify_media); implies --history.", valueName: "DIR"),
            completion: .directory)
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
}
