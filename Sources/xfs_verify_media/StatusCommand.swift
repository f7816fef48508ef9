import ArgumentParser
import VerifyMedia

/// `xfs_verify_media status [PATH]`: from another shell, the scans running
/// now (their state files in /run/xfs_verify_media) and the last finished
/// scan of each filesystem (state file or history), as btrfs scrub status
/// and zpool status show theirs.
struct StatusCommand: VerifyMediaCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show running scans (percent, rate, time left, bad sectors so far) and the last finished scan of each filesystem.",
        discussion: """
        Without PATH: every mounted filesystem with a running or recorded scan. A running scan \
        rewrites /run/xfs_verify_media/UUID.state every second; one whose process is gone \
        without finishing is shown as such. The last finished scan comes from that file or \
        from the history in the --state-dir (scans run with --history, as the units do), \
        whichever is newer.

        Exit status: 0 shown; 4 a history cannot be read; 8 usage error.
        """,
        version: XfsVerifyMedia.version
    )

    @Argument(help: ArgumentHelp("Mount point, path inside an XFS mount, or mounted XFS block device (default: every filesystem).",
                                 valueName: "PATH"),
              completion: .custom(Completions.scanTargets))
    var path: String?

    @Flag(help: "Print the status as JSON on stdout.")
    var json = false

    @Option(help: ArgumentHelp("Directory of history files (default /var/lib/xfs_verify_media).", valueName: "DIR"),
            completion: .directory)
    var stateDir: String = History.defaultDirectory

    func execute() -> CommandExit {
        var uuid: String?
        var mountPoint: String?
        if let path {
            do {
                let filesystem = try FilesystemProbe.probe(path)
                uuid = filesystem.geometry.uuid
                mountPoint = filesystem.mountPoint
            } catch {
                Output.standardError.write("xfs_verify_media: \(error)\n")
                return .status(error.exitStatus)
            }
        }
        var (statuses, problems) = FilesystemStatus.collect(runDirectory: ScanLock.defaultDirectory, historyDirectory: stateDir, uuid: uuid)
        if uuid == nil {
            // Filesystems mounted elsewhere or gone (a removed disk) only when a scan of theirs runs or died.
            let mounted = Set(mountedXFSFilesystems().map(\.mountPoint))
            statuses.removeAll { $0.running == nil && $0.abandoned == nil && !mounted.contains($0.mountPoint ?? "") }
        }
        for problem in problems { Output.standardError.write("xfs_verify_media: \(problem)\n") }
        if json {
            Output.standardOutput.write(StatusCommand.json(statuses).serialized() + "\n")
        } else if statuses.isEmpty {
            Output.standardOutput.write(mountPoint.map { "\($0): no scan running or recorded\n" } ?? "no scan running or recorded\n")
        } else {
            Output.standardOutput.write(statuses.flatMap(StatusCommand.lines).joined(separator: "\n") + "\n")
        }
        return .status(problems.isEmpty ? [] : .operational)
    }

    static func lines(_ status: FilesystemStatus) -> [String] {
        let name = TextEscaping.escape(status.mountPoint ?? "filesystem \(status.fsUUID)")
        var lines: [String] = []
        if let running = status.running {
            lines.append("\(name): scanning, \(StatusText.line(running))")
            lines.append("\(name):   started \(StatusText.localTime(running.started)) (\(StatusText.duration(running.updated - running.started)) ago), pid \(running.pid), \(running.engine.rawValue) engine, scope \(running.scope.rawValue), uuid \(running.fsUUID)")
        } else if let abandoned = status.abandoned {
            lines.append("\(name): the scan started \(StatusText.localTime(abandoned.started)) (pid \(abandoned.pid)) ended without finishing, last seen \(StatusText.localTime(abandoned.updated)) at \(StatusText.percent(abandoned.fraction)) done")
        }
        if let last = status.last {
            lines.append("\(name): last scan \(StatusText.localTime(last.started)), \(StatusText.duration(last.seconds)) of reading, ended \(StatusText.localTime(last.ended)): \(StatusText.ended(last))")
        } else if status.running == nil {
            lines.append("\(name): no finished scan recorded")
        }
        return lines
    }

    static func json(_ statuses: [FilesystemStatus]) -> JSONValue {
        .object([
            ("format", .string("xfs-verify-media-status/1")),
            ("filesystems", .array(statuses.map { status in
                .object([
                    ("fs_uuid", .string(status.fsUUID)),
                    ("mountpoint", status.mountPoint.map(JSONValue.string) ?? .null),
                    ("running", status.running?.json ?? .null),
                    ("abandoned", status.abandoned?.json ?? .null),
                    ("last", status.last?.json ?? .null),
                ])
            })),
        ])
    }
}
