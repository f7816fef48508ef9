import Glibc

/// `--recheck`: reads again only the ranges known to be bad, from the
/// history (or from a JSON report), as `zpool scrub -e` re-reads only what
/// its error log names, and tells which read good now (the drive remapped
/// the sectors: healed) and which are still bad. The ranges are read whole,
/// whatever owns them now; the history records the recheck, so a range
/// healed is no longer "known" to the scans after it.
public struct RecheckSession {
    public struct Settings: Sendable {
        public var path: String
        public var options = ScanOptions()
        public var engine: EngineChoice = .auto
        /// Where the history is: the ranges come from it (unless
        /// `reportFile`), and the recheck is recorded there.
        public var historyDirectory: String? = History.defaultDirectory
        /// A JSON report (schema xfs-verify-media/1) whose bad ranges to recheck.
        public var reportFile: String?
        public var lockDirectory = ScanLock.defaultDirectory

        public init(path: String) { self.path = path }
    }

    public struct Outcome {
        /// The ranges still bad (as found now), with owners; the scan of the rechecked ranges.
        public var report: Report
        /// Ranges that read without error now, with their owners.
        public var healed: [OwnedBadRange]
        /// What was rechecked.
        public var rechecked: [BadRange]
        /// "the history", or the report file.
        public var source: String
    }

    public let settings: Settings

    public init(_ settings: Settings) { self.settings = settings }

    public func run(stop: StopSignal, observer: some ScanSessionObserver) throws(VerifyMediaError) -> Outcome {
        try Privileges.checkCanScan()
        let filesystem = try FilesystemProbe.probe(settings.path)
        let lock: ScanLock
        do {
            lock = try ScanLock.acquire(uuid: filesystem.geometry.uuid, directory: settings.lockDirectory)
        } catch {
            throw .operational("\(filesystem.mountPoint): \(error)")
        }
        defer { withExtendedLifetime(lock) {} }
        let history = try settings.historyDirectory.map { directory throws(VerifyMediaError) in
            try History.load(directory: directory, uuid: filesystem.geometry.uuid)
        }
        let source = settings.reportFile ?? "the history"
        let ranges: [BadRange]
        if let file = settings.reportFile {
            ranges = try RecheckSession.badRanges(inReport: file, uuid: filesystem.geometry.uuid)
        } else if let history {
            ranges = history.knownBadRanges.map {
                BadRange(device: $0.device, range: ByteRange($0.startDaddr << 9, $0.endDaddr << 9), error: Errno(name: $0.error) ?? .EIO)
            }
        } else {
            throw .usage("--recheck needs the history (--state-dir) or a report (--recheck-from FILE)")
        }
        let empty = ScanResult(filesystem: filesystem, engine: .sync, scope: .device, started: wallClockSeconds(), seconds: 0,
                               complete: true, stopCause: nil, kernelReporting: .disabled, devices: [], badRanges: [],
                               unverifiedRanges: [], flakyRanges: [], errors: [], lanes: [])
        guard !ranges.isEmpty else {
            return Outcome(report: Report(scan: empty, badRanges: [], errors: []), healed: [], rechecked: [], source: source)
        }
        let selection = try EngineSelector.select(settings.engine, for: filesystem)
        selection.notes.forEach(observer.note)
        var options = settings.options
        // The ranges whole: what owned them may be gone, and free space reads too.
        options.scope = .device
        options.devices = nil
        let scanner = try Scanner(filesystem: filesystem, ranges: ranges.map { DeviceRange($0.device, $0.range) }, options: options,
                                  engine: selection.kind, stop: stop)
        let result = scanner.run { observer.progress($0.progress, filesystem: filesystem) }
        observer.progress(scanner.progress, filesystem: filesystem)
        observer.scanFinished()

        // What read without error: each range, less what is bad or could not be verified now.
        var healed: [BadRange] = []
        for old in ranges {
            var left = [old.range]
            for bad in result.badRanges where bad.device == old.device { _ = left.remove(bad.range) }
            for unverified in result.unverifiedRanges where unverified.device == old.device { _ = left.remove(unverified.range) }
            healed += left.map { BadRange(device: old.device, range: $0, error: old.error) }
        }
        let owners = OwnerResolver(filesystem: filesystem).resolve(result.badRanges + healed)
        var stillBad = Array(owners.ranges.prefix(result.badRanges.count))
        for index in stillBad.indices { stillBad[index].status = .known }
        var report = Report(scan: result, badRanges: stillBad, errors: owners.errors)
        let healedOwned = Array(owners.ranges.dropFirst(result.badRanges.count))
        if var recorded = history, let directory = settings.historyDirectory {
            recorded.record(report, kind: .recheck, healed: healedOwned)
            do {
                try recorded.save(directory: directory)
            } catch {
                report.errors.append(error.description)
            }
        }
        return Outcome(report: report, healed: healedOwned, rechecked: ranges, source: source)
    }

    /// The bad ranges of a JSON report of this filesystem.
    static func badRanges(inReport path: String, uuid: String) throws(VerifyMediaError) -> [BadRange] {
        let contents: [UInt8]
        do {
            guard let bytes = try FileDescriptor.contentsIfPresent(path) else { throw VerifyMediaError.usage("\(path): no such file") }
            contents = bytes
        } catch let error as VerifyMediaError {
            throw error
        } catch {
            throw .usage("\(path): cannot read the report: \(error)")
        }
        do {
            let root = try JSONObjectReader.document(contents)
            let schema = try root.string("schema")
            guard schema == JSONReport.schema else { throw JSONShapeError(path: "schema", reason: "\(schema), not \(JSONReport.schema)") }
            let fsUUID = try root.string("fs_uuid")
            guard fsUUID == uuid else { throw VerifyMediaError.usage("\(path): a report of filesystem \(fsUUID), not of \(uuid)") }
            return try root.objects("bad_ranges") { range throws(JSONShapeError) in
                BadRange(device: try range.enumeration("device", DeviceRole.self),
                         range: ByteRange(try range.uint64("start_daddr") << 9, try range.uint64("end_daddr") << 9),
                         error: (try? range.string("error")).flatMap(Errno.init(name:)) ?? .EIO)
            }
        } catch let error as VerifyMediaError {
            throw error
        } catch {
            throw .usage("\(path): not a report of xfs_verify_media (\(error))")
        }
    }
}
