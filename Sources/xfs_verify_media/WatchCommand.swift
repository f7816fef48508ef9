import ArgumentParser
import Glibc
import VerifyMedia

/// `xfs_verify_media watch MNT`: the health monitor of one filesystem.
struct WatchCommand: VerifyMediaCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch the kernel's health monitor of a mounted XFS filesystem (Linux 7.0) and act on what it reports.",
        discussion: """
        Logs every health event in xfs_healer's wording. Media errors are verified \
        with the range around them, pinpointed, their owners named and recorded in \
        the history; a failed read of a file is traced to its sectors and verified \
        the same way. Sick metadata is repaired online (XFS_IOC_SCRUB_METADATA) \
        with --repair, or when the filesystem's autofsck property says "repair". \
        Lost events or a failed repair start a scan of the whole filesystem. The \
        filesystem is never kept busy: umount works, and the watch then ends.

        Lines go to stderr; when stderr is the journal (JOURNAL_STREAM), entries \
        carry XVM_* fields too.

        Exit status: 0 the filesystem was unmounted, or a signal stopped the watch; \
        4 the monitor could not be opened (not root, kernel before 7.0) or \
        --check failed; 8 usage error; 32 another program (xfs_healer?) holds \
        the filesystem's health monitor.
        """
    )

    @Argument(help: ArgumentHelp("Mount point, or a path inside the mounted XFS filesystem.", valueName: "PATH"))
    var path: String

    @Flag(help: "Repair sick metadata online even when the filesystem's autofsck property does not say \"repair\".")
    var repair = false

    @Flag(help: "Ask the kernel for every metadata health event, not only changes.")
    var everything = false

    @Option(parsing: .unconditional, help: ArgumentHelp("Bytes to verify on each side of a reported media error (default 1M).", valueName: "SIZE"),
            transform: ByteSize.parse)
    var neighbourhood: ByteSize?

    @Option(help: ArgumentHelp("Read engine of verifications and scans.", valueName: "auto|kernel|uring|aio|sync"))
    var engine: EngineChoice = .auto

    @Option(parsing: .unconditional, help: ArgumentHelp("Cap on bytes read per second by verifications and scans, e.g. 200M.", valueName: "SIZE"),
            transform: ByteSize.parse)
    var rate: ByteSize?

    @Flag(name: [.short, .long], help: "Verify and scan gently: idle I/O priority, low queue depth, 64 MiB/s unless --rate.")
    var background = false

    @Option(help: ArgumentHelp("Directory of history files (default /var/lib/xfs_verify_media).", valueName: "DIR"))
    var stateDir: String?

    @Flag(help: "Keep no history.")
    var noHistory = false

    @Option(help: ArgumentHelp("Write the JSON report of each verification to FILE (atomically).", valueName: "FILE"))
    var report: String?

    @Option(help: ArgumentHelp("Restore file data lost to bad sectors from the copy at the same relative path under DIR, when that copy matches every readable byte of the file.", valueName: "DIR"))
    var restoreFrom: String?

    @Flag(help: "With --restore-from: write. Without it, only say what would be restored.")
    var yes = false

    @Flag(help: "Only check that the health monitor can be opened, then exit (for ExecCondition=).")
    var check = false

    mutating func validate() throws {
        if yes && restoreFrom == nil { throw ValidationError("--yes needs --restore-from DIR") }
        if noHistory && stateDir != nil { throw ValidationError("--no-history and --state-dir exclude each other") }
        if let neighbourhood, neighbourhood.bytes > 1 << 30 { throw ValidationError("--neighbourhood must be at most 1G") }
    }

    /// Exit status of watch mode when another monitor holds the filesystem's.
    static let anotherMonitor = ExitStatus(rawValue: 32)

    func execute() -> CommandExit {
        let stop = StopSignal()
        SignalWatcher.start(stop)
        let log = MachineLog()
        let filesystem: MountedFilesystem
        do {
            filesystem = try FilesystemProbe.probe(path)
        } catch {
            Output.standardError.write("xfs_verify_media: \(error)\n")
            return .status(error.exitStatus)
        }
        var options = WatchOptions()
        options.alwaysRepair = repair
        options.everything = everything
        options.neighbourhood = neighbourhood?.bytes ?? options.neighbourhood
        options.engine = engine
        options.scan.rate = rate?.bytes
        options.scan.background = background
        options.historyDirectory = noHistory ? nil : stateDir ?? History.defaultDirectory
        options.reportPath = report
        options.restore = restoreFrom.map { RestoreOptions(backupDirectory: $0, commit: yes) }
        let watcher: Watcher
        do {
            watcher = try Watcher(filesystem: filesystem, options: options, log: log, stop: stop)
        } catch {
            if case .monitor(.alreadyMonitored(let holder)) = error {
                let healer = SystemdUnits.instance(of: SystemdUnits.healerTemplate, path: filesystem.mountPoint)
                let advice = holder?.isXfsVerifyMedia == true
                    ? "another xfs_verify_media watch has it already"
                    : "to watch it with xfs_verify_media instead of xfs_healer: systemctl disable --now xfs_healer_start.service '\(healer)'"
                Output.standardError.write(
                    "xfs_verify_media: \(filesystem.mountPoint): \(error); the kernel allows one health monitor per filesystem; \(advice)\n")
                return .status(WatchCommand.anotherMonitor)
            }
            Output.standardError.write("xfs_verify_media: \(filesystem.mountPoint): \(error)\n")
            return .status(.operational)
        }
        if check { return .status([]) }
        switch watcher.run() {
        case .unmounted, .stopped: return .status([])
        }
    }
}

/// `xfs_verify_media watch-mounts`: a watcher per mounted XFS filesystem.
struct WatchMountsCommand: VerifyMediaCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch-mounts",
        abstract: "Start xfs_verify_media_watch@<mount>.service for every XFS filesystem mounted now or later (fanotify mount events, Linux 6.15).",
        discussion: """
        Filesystems that xfs_healer@<mount>.service already watches are left to it. \
        Runs until stopped.

        Exit status: 0 stopped by a signal; 4 fanotify mount events are not available \
        (not root, kernel before 6.15); 8 usage error.
        """
    )

    @Flag(help: "Only print which units would be started.")
    var dryRun = false

    func execute() -> CommandExit {
        let stop = StopSignal()
        SignalWatcher.start(stop)
        do {
            try WatchStarter(dryRun: dryRun, log: MachineLog()).run(stop: stop)
            return .status([])
        } catch {
            Output.standardError.write("xfs_verify_media: \(error)\n")
            return .status(error.exitStatus)
        }
    }
}
