import Glibc
import VerifyMedia

/// The wiring of one run: probe, engine, scan (with progress, signals and
/// checkpoints), owners, history, report, exit status.
struct ScanCommand {
    let options: XfsVerifyMedia
    private let stderr = FileHandleOutput.standardError

    init(_ options: XfsVerifyMedia) { self.options = options }

    func execute() -> ExitStatus {
        do {
            return try scan()
        } catch let error as VerifyMediaError {
            stderr.write("xfs_verify_media: \(error)\n")
            return error.exitStatus
        } catch {
            stderr.write("xfs_verify_media: \(error)\n")
            return .operational
        }
    }

    private func scan() throws -> ExitStatus {
        // First of all, before any thread exists: every thread started later
        // inherits the blocked signals, so only the watcher receives them.
        let stop = StopSignal()
        SignalWatcher.start(stop)
        let filesystem = try FilesystemProbe.probe(options.path ?? ".")
        let scanOptions = try scanOptions(for: filesystem)
        let historyDirectory = options.stateDir ?? History.defaultDirectory
        let useHistory = options.history || options.stateDir != nil || options.interval != nil
        let history = useHistory ? try History.load(directory: historyDirectory, uuid: filesystem.geometry.uuid) : nil
        if let interval = options.interval, let last = history?.lastComplete(covering: options.scope),
           wallClockSeconds() - last.started < interval.seconds {
            if !options.quiet {
                let age = wallClockSeconds() - last.started
                stderr.write("xfs_verify_media: \(filesystem.mountPoint): last complete scan \(formatAge(age)) ago, younger than --interval; nothing to do\n")
            }
            return []
        }
        let selection = try EngineSelector.select(options.engine, for: filesystem)
        if options.verbose {
            selection.notes.forEach { stderr.write("xfs_verify_media: \($0)\n") }
            stderr.write("xfs_verify_media: \(filesystem.mountPoint): \(selection.kind.rawValue) engine, scope \(options.scope.rawValue), devices \(filesystem.devices.map { "\($0.role) \($0.path)" }.joined(separator: ", "))\n")
        }
        var earlier: Checkpoint?
        if options.resume, let path = options.checkpoint {
            earlier = try Checkpoint.load(from: path, for: filesystem, scope: options.scope)
            if options.verbose {
                stderr.write("xfs_verify_media: \(path): \(earlier == nil ? "no checkpoint, starting afresh" : "resuming")\n")
            }
        }
        var resumed = scanOptions
        if let earlier { resumed.resumeFrom = earlier.resumePoints }

        let scanner = try Scanner(filesystem: filesystem, options: resumed, engine: selection.kind, stop: stop)
        if let earlier {
            scanner.restoreFindings(bad: earlier.badRanges, unverified: earlier.unverifiedRanges, flaky: earlier.flakyRanges)
        }
        let showBar = !options.quiet && isatty(2) == 1
        let display = ProgressDisplay(label: filesystem.mountPoint, terminal: showBar ? 2 : nil, fsckFD: options.progressFD)
        let started = wallClockSeconds()
        var lastCheckpoint = started
        let result = scanner.run { scanner in
            display.update(scanner.progress)
            if let path = options.checkpoint, wallClockSeconds() - lastCheckpoint >= 5 {
                saveCheckpoint(scanner.checkpoint(resuming: earlier, seconds: wallClockSeconds() - started), to: path)
                lastCheckpoint = wallClockSeconds()
            }
        }.including(earlier)
        display.update(scanner.progress)
        display.finish()
        if let path = options.checkpoint {
            if result.complete {
                unlink(path)
            } else {
                saveCheckpoint(scanner.checkpoint(resuming: earlier, seconds: wallClockSeconds() - started), to: path)
                stderr.write("xfs_verify_media: progress saved to \(path); continue with --resume\n")
            }
        }

        let owners = OwnerResolver(filesystem: filesystem).resolve(result.badRanges)
        var report = Report(scan: result, badRanges: owners.ranges, errors: owners.errors)
        if var known = history {
            for index in report.badRanges.indices {
                report.badRanges[index].status = known.knows(report.badRanges[index].bad) ? "known" : "new"
            }
            known.record(report)
            do {
                try known.save(directory: historyDirectory)
            } catch {
                report.errors.append(error.description)
            }
        }
        try output(report)
        return report.exitStatus
    }

    private func scanOptions(for filesystem: MountedFilesystem) throws(VerifyMediaError) -> ScanOptions {
        var scan = ScanOptions()
        scan.scope = options.scope
        scan.devices = options.device?.roles
        scan.queueDepth = options.queueDepth
        scan.ioSize = options.ioSize.map { Int($0.bytes) }
        scan.rate = options.rate?.bytes
        scan.background = options.background
        for role in scan.devices ?? [] where filesystem.device(role) == nil {
            throw .usage("\(filesystem.mountPoint): the filesystem has no \(role == .rt ? "realtime" : "external log") device (--device \(role.rawValue))")
        }
        if let io = scan.ioSize {
            for device in filesystem.devices where io % device.logicalSectorSize != 0 {
                throw .usage("--io-size \(io) is not a multiple of the \(device.logicalSectorSize)-byte sectors of \(device.path)")
            }
        }
        return scan
    }

    private func saveCheckpoint(_ checkpoint: Checkpoint, to path: String) {
        do {
            try checkpoint.save(to: path)
        } catch {
            stderr.write("xfs_verify_media: \(path): cannot save checkpoint: \(error)\n")
        }
    }

    private func output(_ report: Report) throws {
        let json = JSONReport(report, includeLanes: options.bench).encoded()
        if let path = options.report {
            do {
                try AtomicFile.write(json, to: path)
            } catch {
                throw VerifyMediaError.operational("\(path): cannot write the report: \(error)")
            }
        }
        if options.json {
            FileHandleOutput.standardOutput.write(String(decoding: json, as: UTF8.self))
            return
        }
        let text = TextReport(report)
        var lines = text.findingLines
        if options.bench { lines += BenchReport(report).lines }
        if !options.quiet {
            lines += text.summaryLines
            if options.verbose { lines += TextReport.deviceLines(report) }
        } else if let incomplete = text.incompleteLine {
            // Quiet, but an exit status of 4 must come with its reason.
            lines.append(incomplete)
        }
        if !lines.isEmpty { FileHandleOutput.standardOutput.write(lines.joined(separator: "\n") + "\n") }
    }

    private func formatAge(_ seconds: Double) -> String {
        seconds >= 86400 ? "\(Int(seconds / 86400)) days" : seconds >= 3600 ? "\(Int(seconds / 3600)) hours" : "\(Int(seconds / 60)) minutes"
    }
}
