import ArgumentParser
import Glibc
import VerifyMedia

/// `xfs_verify_media history [PATH|UUID]`: the scans and rechecks the
/// history of a filesystem recorded, each with its bad ranges marked new,
/// known or healed, and what they hit.
struct HistoryCommand: VerifyMediaCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show the recorded scans of a filesystem and their bad ranges, new, known or healed.",
        discussion: """
        The history is kept per filesystem UUID in the --state-dir by scans run with --history \
        (as the systemd units run them) and by --recheck. Without an argument: every history there. \
        UUID names a filesystem that is not mounted.

        Exit status: 0 shown; 4 a history cannot be read; 8 usage error.
        """,
        version: XfsVerifyMedia.version
    )

    @Argument(help: ArgumentHelp("Mount point, path inside an XFS mount, mounted XFS block device, or filesystem UUID (default: every history).",
                                 valueName: "PATH|UUID"),
              completion: .custom(Completions.scanTargets))
    var target: String?

    @Flag(help: "Print the histories as JSON on stdout.")
    var json = false

    @Option(help: ArgumentHelp("Show only the last N runs of each filesystem.", valueName: "N"))
    var last: Int?

    @Option(help: ArgumentHelp("Directory of history files (default /var/lib/xfs_verify_media).", valueName: "DIR"),
            completion: .directory)
    var stateDir: String = History.defaultDirectory

    mutating func validate() throws {
        if let last, last < 1 { throw ValidationError("--last must be at least 1") }
    }

    func execute() -> CommandExit {
        var uuids: [String]
        if let target {
            if access(target, F_OK) != 0, History.recorded(names: [target + ".json"]) == [target] {
                uuids = [target]
            } else {
                do {
                    uuids = [try FilesystemProbe.probe(target).geometry.uuid]
                } catch {
                    Output.standardError.write("xfs_verify_media: \(error)\n")
                    return .status(error.exitStatus)
                }
            }
        } else {
            uuids = History.recorded(directory: stateDir)
        }
        var histories: [History] = []
        var failed = false
        for uuid in uuids {
            do {
                var history = try History.load(directory: stateDir, uuid: uuid)
                if let last { history.runs = Array(history.runs.suffix(last)) }
                histories.append(history)
            } catch {
                Output.standardError.write("xfs_verify_media: \(error)\n")
                failed = true
            }
        }
        if json {
            let value: JSONValue = .object([("format", .string("xfs-verify-media-histories/1")),
                                            ("histories", .array(histories.map(\.json)))])
            Output.standardOutput.write(value.serialized() + "\n")
        } else {
            var lines = histories.flatMap(HistoryCommand.lines)
            if lines.isEmpty && !failed { lines = ["no history recorded in \(stateDir)" + (target.map { " for \($0)" } ?? "")] }
            if !lines.isEmpty { Output.standardOutput.write(lines.joined(separator: "\n") + "\n") }
        }
        return .status(failed ? .operational : [])
    }

    static func lines(_ history: History) -> [String] {
        let name = history.runs.last(where: { $0.mountPoint != nil })?.mountPoint.map(TextEscaping.escape) ?? "filesystem"
        var lines = ["\(name) (uuid \(history.fsUUID)): \(history.runs.count) run\(history.runs.count == 1 ? "" : "s") recorded"]
        for run in history.runs {
            let how = run.complete ? "complete" : run.paused ? "paused" : "incomplete"
            var line = "  \(StatusText.localTime(run.started))  \(run.kind.rawValue), \(how), \(StatusText.duration(run.seconds)) of reading, \(formatBytes(run.bytesVerified)) verified, \(run.engine.rawValue) engine, scope \(run.scope.rawValue): "
            let bad = run.badRanges.filter { $0.status != .healed }
            if run.kind == .recheck {
                line += "\(run.badRanges.count - bad.count) healed, \(bad.count) still bad"
            } else if bad.isEmpty {
                line += "no media errors"
            } else {
                line += "\(bad.count) bad range\(bad.count == 1 ? "" : "s")"
                let new = bad.filter { $0.status == .new }.count, known = bad.filter { $0.status == .known }.count
                if new + known == bad.count { line += " (\(new) new, \(known) known)" }
            }
            if let status = run.exitStatus { line += ", exit status \(status)" }
            lines.append(line)
            for range in run.badRanges {
                let status = range.status.map { run.kind == .recheck && $0 == .known ? "still bad" : $0.rawValue } ?? "bad"
                let owners = range.owners.isEmpty ? "" : ": " + range.owners.joined(separator: "; ")
                lines.append("    \(range.device) daddr \(range.startDaddr)-\(range.endDaddr - 1) \(range.error) \(status)\(owners)")
            }
        }
        return lines
    }
}
