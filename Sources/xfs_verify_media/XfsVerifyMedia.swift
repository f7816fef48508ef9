import ArgumentParser
import Glibc
import VerifyMedia

@main
struct XfsVerifyMedia: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "xfs_verify_media",
        abstract: "Find unreadable sectors under a mounted XFS filesystem and name the files and metadata they hit.",
        discussion: """
        PATH is a mount point, a path inside an XFS mount, or a mounted XFS block device. \
        The scan is read-only: devices are opened O_RDONLY|O_DIRECT and never written. \
        Bad ranges are pinpointed to the device's logical sector and mapped to their owners \
        with GETFSMAP (needs root; names files on filesystems with rmapbt).

        Engines: 'kernel' is XFS_IOC_VERIFY_MEDIA (Linux 7.0), which also reports bad blocks \
        to the kernel's health monitor; 'uring' (io_uring), 'aio' (libaio) and 'sync' (pread) \
        read the block devices from user space. 'auto' takes the first that works.

        SIZE takes K, M, G, T suffixes (powers of 1024). DURATION takes s, m, h, d, w, mo, y.

        Exit status, bits OR-ed: 0 all verified and readable; 1 media errors found; \
        2 media errors hit file data; 4 something in scope could not be verified \
        (permissions, engine failure, interruption, device gone); 8 usage error; \
        16 media errors not seen by the last recorded scan (--history).
        """,
        version: version
    )

    @Argument(help: ArgumentHelp("Mount point, path inside an XFS mount, or mounted XFS block device.", valueName: "PATH"),
              completion: .custom(Completions.scanTargets))
    var path: String?

    @Option(help: ArgumentHelp("What to verify: all allocated space (default); written file data only; whole devices, free space included.", valueName: "allocated|data|device"))
    var scope: ScanScope = .allocated

    @Option(help: ArgumentHelp("Devices to verify, comma-separated (default: all the filesystem has).", valueName: "data,log,rt"),
            completion: .custom(Completions.deviceLists))
    var device: DeviceList?

    @Option(help: ArgumentHelp("Read engine.", valueName: "auto|kernel|uring|aio|sync"))
    var engine: EngineChoice = .auto

    @Option(help: ArgumentHelp("Cap on bytes read per second over all devices, e.g. 200M.", valueName: "SIZE"))
    var rate: ByteSize?

    @Flag(name: [.short, .long], help: "Gentle mode for scheduled scrubs: idle I/O priority, low queue depth, 64 MiB/s unless --rate, and yield while other I/O is waiting on the device.")
    var background = false

    @Option(help: ArgumentHelp("Reads in flight per device: default 16, 2 with -b; for the kernel and sync engines, concurrent calls: default 16, 4 on rotational disks, 1 with -b.", valueName: "N"))
    var queueDepth: Int?

    @Option(help: ArgumentHelp("Bytes per read (default 2M, 128K with -b); a multiple of the logical sector size.", valueName: "SIZE"))
    var ioSize: ByteSize?

    @Flag(help: "Print the JSON report (schema xfs-verify-media/1) on stdout, and nothing else there.")
    var json = false

    @Option(help: ArgumentHelp("Also write the JSON report to FILE (atomically).", valueName: "FILE"), completion: .file())
    var report: String?

    @Option(name: .customShort("C"), help: ArgumentHelp("Write fsck-style progress lines (\"1 DONE TOTAL MOUNTPOINT\") to file descriptor FD.", valueName: "FD"))
    var progressFD: Int32?

    @Option(help: ArgumentHelp("Save progress to FILE every few seconds and when interrupted.", valueName: "FILE"), completion: .file())
    var checkpoint: String?

    @Flag(help: "Continue the scan saved in the --checkpoint file, never re-reading what it verified; starts afresh if the file does not exist.")
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
        if let queueDepth, !(1...1024).contains(queueDepth) {
            throw ValidationError("--queue-depth must be between 1 and 1024")
        }
        if let ioSize, ioSize.bytes < 512 || ioSize.bytes > 64 << 20 || ioSize.bytes % 512 != 0 {
            throw ValidationError("--io-size must be a multiple of 512 between 512 and 64M")
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

    /// Exit codes of the contract: argument errors are 8, not the
    /// argument parser's 64.
    static func main() {
        let command: XfsVerifyMedia
        do {
            command = try parse()
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let message = fullMessage(for: error)
            FileHandleOutput.standardError.write("xfs_verify_media: \(message)\n")
            if !message.contains("Usage:") {
                FileHandleOutput.standardError.write(usageString() + "\nSee 'xfs_verify_media --help'.\n")
            }
            Glibc.exit(ExitStatus.usage.rawValue)
        }
        if command.printVersion {
            print("xfs_verify_media \(version)")
            Glibc.exit(0)
        }
        Glibc.exit(ScanCommand(command).execute().rawValue)
    }
}

/// stdout and stderr without Foundation.
enum FileHandleOutput {
    case standardOutput, standardError

    func write(_ text: String) {
        try? FileDescriptor(rawValue: self == .standardOutput ? 1 : 2).write(text)
    }
}
