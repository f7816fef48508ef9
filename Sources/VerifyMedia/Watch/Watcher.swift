import CXFS
import Glibc
import Synchronization

/// Watch mode: listens to the kernel's health monitor of one filesystem and
/// turns its events into work the scanner already knows.
///
/// Three threads: the calling thread reads the monitor (whole 64-byte
/// records) and never does anything slow, so the kernel's 32 KiB queue
/// does not overflow; a handler thread logs every event (naming the files
/// by inode and generation), repairs sick metadata when allowed, and turns
/// media errors and failed reads into ranges to verify; a worker thread
/// verifies those ranges one device at a time (a storm of events becomes a
/// few verifications), runs a full scan when events were lost or a repair
/// failed, records findings in the history and the report, and restores
/// lost data from a backup when asked. The filesystem is held only by its
/// root's file handle: `umount` works at any time while idle, and the
/// watch ends with the UNMOUNT event or the monitor's end of file.
public final class Watcher: Sendable {
    let options: WatchOptions
    let log: MachineLog
    let stop: StopSignal
    let engine: EngineKind
    private let monitor: HealthMonitor
    private let place: Mutex<Place>
    private let events = BlockingQueue<HealthEvent>(capacity: 1 << 16)
    private let work = BlockingQueue<WorkItem>(capacity: 1 << 16)
    /// The verification or scan running now, to stop it at the end.
    private let running = Mutex<StopSignal?>(nil)
    private let ended = Atomic<Bool>(false)

    /// Where the filesystem is: its root's handle and what the probe found.
    struct Place: Sendable {
        var root: RootHandle
        var filesystem: MountedFilesystem
    }

    enum WorkItem: Sendable {
        case media(DeviceRole, ByteRange, time: UInt64)
        case fullScan(reason: String)
    }

    /// Opens the monitor on the root of `filesystem`, keeping only its handle.
    public init(filesystem: MountedFilesystem, options: WatchOptions, log: MachineLog, stop: StopSignal) throws(WatchError) {
        self.options = options
        self.log = log
        self.stop = stop
        do {
            engine = try EngineSelector.select(options.engine, for: filesystem).kind
        } catch {
            throw .operational(error.description)
        }
        let root: FileDescriptor
        do {
            root = try FileDescriptor.open(filesystem.mountPoint, O_RDONLY | O_DIRECTORY)
        } catch {
            throw .operational("\(filesystem.mountPoint): cannot open: \(error)")
        }
        defer { root.close() }
        let handle: RootHandle
        do {
            handle = try RootHandle(root: root, mountPoint: filesystem.mountPoint)
        } catch {
            throw .operational("\(filesystem.mountPoint): cannot take the root directory's file handle: \(error)")
        }
        do {
            monitor = try HealthMonitor.open(root: root, verbose: options.everything)
        } catch {
            throw .monitor(error)
        }
        place = Mutex(Place(root: handle, filesystem: filesystem))
        autofsck = AutofsckProperty.value(root: root)
    }

    /// The autofsck property when the watch began, for the first line.
    private let autofsck: String?

    public var mountPoint: String { place.withLock { $0.filesystem.mountPoint } }

    /// Watches until the filesystem is unmounted or `stop` is requested.
    public func run() -> WatchEnd {
        let repair = options.alwaysRepair ? "on (--repair)"
            : autofsck == "repair" ? "on (autofsck=repair)"
            : "off (autofsck is \(autofsck.map { "\"\($0)\"" } ?? "unset"); --repair turns it on)"
        log.log("\(mountPoint): watching: media errors are verified with the \(engine.rawValue) engine, "
                + "\(formatBytes(options.neighbourhood)) on each side; metadata repair \(repair)"
                + (options.restore.map { "; lost data restored from \($0.backupDirectory)\($0.commit ? "" : " (dry run)")" } ?? ""),
                priority: .info, [.init("XVM_EVENT", "watch"), .init("XVM_MOUNTPOINT", mountPoint)])
        let handler = DedicatedThread.start(name: "watch-events") { [self] in handleEvents() }
        let worker = DedicatedThread.start(name: "watch-work") { [self] in doWork() }
        var buffer = [UInt8](repeating: 0, count: 64 * HealthEvent.size)
        var assembler = HealthEventAssembler()
        var end = WatchEnd.unmounted
        var sawUnmount = false
        reading: while true {
            switch monitor.read(into: &buffer, assembler: &assembler, stop: stop) {
            case .events(let batch):
                for event in batch {
                    if event.kind == .unmount { sawUnmount = true }
                    events.push(event)
                }
            case .endOfFile:
                if assembler.residue > 0 {
                    log.log("\(mountPoint): the health monitor ended inside an event (\(assembler.residue) bytes left over)", priority: .warning)
                }
                break reading
            case .stopped:
                end = .stopped(stop.cause?.description ?? "stopped")
                break reading
            case .failed(let error):
                log.log("\(mountPoint): reading the health monitor failed: \(error)", priority: .error)
                end = .stopped("reading the health monitor failed: \(error)")
                break reading
            }
        }
        ended.store(true, ordering: .releasing)
        running.withLock { $0?.request(.requested("the watch ended")) }
        events.close()
        work.close()
        handler.join()
        worker.join()
        if end == .unmounted && !sawUnmount {
            log.log("\(mountPoint): health monitor closed: filesystem unmounted", priority: .info,
                    [.init("XVM_EVENT", "unmount"), .init("XVM_MOUNTPOINT", mountPoint)])
        }
        return end
    }

    private var hasEnded: Bool { ended.load(ordering: .acquiring) }

    // MARK: Where the filesystem is

    /// Runs `body` with the root directory open and the filesystem as it
    /// is mounted now; nil when it is mounted nowhere any more.
    private func withRoot<T>(_ body: (FileDescriptor, MountedFilesystem) -> T) -> T? {
        let opened: (FileDescriptor, MountedFilesystem)? = place.withLock { place in
            let before = place.root.mountPoint
            guard let fd = try? place.root.reopen(monitor: monitor) else { return nil }
            if place.root.mountPoint != before {
                // The filesystem was moved: probe it where it is now.
                guard let moved = try? FilesystemProbe.probe(place.root.mountPoint) else {
                    fd.close()
                    return nil
                }
                log.log("\(before): the filesystem is now at \(moved.mountPoint)", priority: .notice,
                        [.init("XVM_EVENT", "moved"), .init("XVM_MOUNTPOINT", moved.mountPoint)])
                place.filesystem = moved
            }
            return (fd, place.filesystem)
        }
        guard let (fd, filesystem) = opened else { return nil }
        defer { fd.close() }
        return body(fd, filesystem)
    }

    // MARK: Events

    private func handleEvents() {
        let namer = InodeNamer()
        while let first = events.pop() {
            let batch = [first] + events.drain()
            let keys = Set(batch.compactMap(Watcher.inodeKey))
            let names = keys.isEmpty ? [:] : withRoot { _, filesystem in namer.names(for: keys, filesystem: filesystem) } ?? [:]
            let wording = EventWording(mountPoint: mountPoint)
            for event in batch {
                log.log(wording.entry(for: event, subject: Watcher.inodeKey(event).flatMap { names[$0] }))
                act(on: event, wording: wording, names: names)
            }
        }
    }

    private static func inodeKey(_ event: HealthEvent) -> InodeNamer.Key? {
        switch event.payload {
        case .inode(_, let inode, let generation), .fileRange(let inode, let generation, _, _, _):
            InodeNamer.Key(inode: inode, generation: generation)
        default: nil
        }
    }

    private func act(on event: HealthEvent, wording: EventWording, names: [InodeNamer.Key: RawPath]) {
        switch (event.kind, event.payload) {
        case (.lost, _):
            work.push(.fullScan(reason: "health events were lost"))
        case (.unmount, _):
            running.withLock { $0?.request(.unmounted(mountPoint: mountPoint)) }
        case (.shutdown, _):
            log.log("\(mountPoint): the filesystem is shut down: unmount it, run xfs_repair on its device, and mount it again",
                    priority: .critical, [.init("XVM_EVENT", "advice"), .init("XVM_MOUNTPOINT", mountPoint)])
        case (.mediaError, _):
            if let device = event.device, let range = event.mediaRange {
                work.push(.media(device, range, time: event.time))
            }
        case (.bufferedRead, .fileRange(let inode, let generation, let position, let length, let error)),
             (.directRead, .fileRange(let inode, let generation, let position, let length, let error)):
            // A read of a file failed on the medium: find where that is on the device.
            guard ErrorClass(error) == .media else { return }
            for (device, range) in deviceRanges(inode: inode, generation: generation, bytes: ByteRange(position, position + length)) {
                work.push(.media(device, range, time: event.time))
            }
        case (.sick, _), (.corrupt, _):
            repair(event, wording: wording, subject: Watcher.inodeKey(event).flatMap { names[$0] })
        default:
            break
        }
    }

    /// Where bytes of a file are on the devices (FIEMAP of the file opened by handle).
    private func deviceRanges(inode: UInt64, generation: UInt32, bytes: ByteRange) -> [(DeviceRole, ByteRange)] {
        withRoot { root, _ in
            let ranges: [(DeviceRole, ByteRange)]? = place.withLock { place in
                guard let file = try? place.root.open(inode: inode, generation: generation, flags: O_RDONLY, root: root) else { return nil }
                defer { file.close() }
                let device: DeviceRole = RestoreSession.isRealtime(file) ? .rt : .data
                var found: [(DeviceRole, ByteRange)] = []
                ExtentMapOwners.extents(of: file, attributeFork: false) { logical, physical, length, _ in
                    let piece = ByteRange(logical, logical + length).clamped(to: bytes)
                    guard !piece.isEmpty else { return }
                    found.append((device, ByteRange(physical + (piece.start - logical), physical + (piece.end - logical))))
                }
                return found
            }
            return ranges ?? []
        } ?? []
    }

    // MARK: Repair

    private func repair(_ event: HealthEvent, wording: EventWording, subject: RawPath?) {
        let outcome: [MetadataRepair.Attempt]?? = withRoot { root, _ in
            guard options.alwaysRepair || AutofsckProperty.value(root: root) == "repair" else { return nil }
            return MetadataRepair.repair(event, root: root)
        }
        guard case .some(.some(let attempts)) = outcome else { return }
        let place: String
        switch event.payload {
        case .group(_, let number): place = "\(mountPoint) \(event.domain == .rtgroup ? "rgno" : "agno") 0x\(String(number, radix: 16))"
        case .inode(_, let inode, let generation): place = wording.subject(inode: inode, generation: generation, path: subject)
        default: place = mountPoint
        }
        var failed = false
        for attempt in attempts {
            failed = failed || attempt.outcome.needsOfflineRepair
            log.log("\(place) \(attempt.structure.name): \(attempt.outcome.text)",
                    priority: attempt.outcome.needsOfflineRepair ? .error : .notice,
                    [.init("XVM_EVENT", "repair"), .init("XVM_MOUNTPOINT", mountPoint), .init("XVM_DOMAIN", event.domain.name),
                     .init("XVM_STRUCTURES", attempt.structure.name), .init("XVM_OUTCOME", attempt.outcome.name)])
        }
        if failed {
            let device = self.place.withLock { $0.filesystem.devices.first?.path } ?? "DEVICE"
            log.log("\(mountPoint): online repair could not fix everything: unmount the filesystem and run xfs_repair \(device); "
                    + "checking the whole filesystem for media errors meanwhile", priority: .error,
                    [.init("XVM_EVENT", "advice"), .init("XVM_MOUNTPOINT", mountPoint)])
            work.push(.fullScan(reason: "an online repair failed"))
        }
    }

    // MARK: Verifications

    private func doWork() {
        var backlog = MediaBacklog(neighbourhood: options.neighbourhood)
        var fullScan: String?
        while let first = work.pop() {
            for item in [first] + work.drain() {
                switch item {
                case .media(let device, let range, let time): backlog.add(device, range, time: time)
                case .fullScan(let reason): fullScan = fullScan ?? reason
                }
            }
            if hasEnded { break }
            if let reason = fullScan {
                fullScan = nil
                let started = Watcher.now()
                if verifyEverything(reason: reason) { backlog.scannedEverything(started: started) }
            }
            var last: (DeviceRole, [ByteRange])?
            while !hasEnded, let filesystem = currentFilesystem(),
                  let (device, ranges) = backlog.next(sector: { role in UInt64(filesystem.device(role)?.logicalSectorSize ?? 512) },
                                                      section: { role in filesystem.device(role)?.section ?? ByteRange(0, 0) }) {
                // The same work twice in a row means nothing can cover it: drop it.
                if let last, last.0 == device, last.1 == ranges {
                    backlog.discard(device)
                    continue
                }
                last = (device, ranges)
                if !ranges.isEmpty, verify(device, ranges, filesystem: filesystem) {
                    backlog.verified(device, ranges, finished: Watcher.now(),
                                     section: filesystem.device(device)?.section ?? ByteRange(0, 0))
                } else {
                    backlog.discard(device)
                }
            }
        }
    }

    private func currentFilesystem() -> MountedFilesystem? { withRoot { _, filesystem in filesystem } }

    /// Verifies ranges of one device; false when it could not be done.
    private func verify(_ device: DeviceRole, _ ranges: [ByteRange], filesystem: MountedFilesystem) -> Bool {
        let list = ranges.prefix(4).map { "\($0.start >> 9)-\(($0.end >> 9) - 1)" }.joined(separator: ", ")
            + (ranges.count > 4 ? " and \(ranges.count - 4) more" : "")
        log.log("\(filesystem.mountPoint): verifying \(device) device daddr \(list) (\(formatBytes(ranges.totalBytes)) around reported media errors)",
                priority: .info, [.init("XVM_EVENT", "verify"), .init("XVM_MOUNTPOINT", filesystem.mountPoint),
                                  .init("XVM_DEVICE", device.rawValue), .init("XVM_BYTES", String(ranges.totalBytes))])
        return run("verification", filesystem: filesystem) { verifier, stop throws(VerifyMediaError) in
            try verifier.verify([device: ranges], filesystem: filesystem, stop: stop)
        }
    }

    private func verifyEverything(reason: String) -> Bool {
        guard let filesystem = currentFilesystem() else { return false }
        log.log("\(filesystem.mountPoint): \(reason): scanning the whole filesystem for media errors", priority: .warning,
                [.init("XVM_EVENT", "scan"), .init("XVM_MOUNTPOINT", filesystem.mountPoint), .init("XVM_REASON", reason)])
        return run("scan", filesystem: filesystem) { verifier, stop throws(VerifyMediaError) in
            try verifier.verifyEverything(filesystem: filesystem, stop: stop)
        }
    }

    private func run(_ action: String, filesystem: MountedFilesystem,
                     _ body: (RangeVerifier, StopSignal) throws(VerifyMediaError) -> Report) -> Bool {
        let stopThis = StopSignal()
        running.withLock { $0 = stopThis }
        defer { running.withLock { $0 = nil } }
        if hasEnded { return false }
        let verifier = RangeVerifier(engine: engine, options: options.scan)
        let report: Report
        do {
            report = try body(verifier, stopThis)
        } catch {
            log.log("\(filesystem.mountPoint): \(action) failed: \(error)", priority: .error,
                    [.init("XVM_EVENT", "problem"), .init("XVM_ACTION", action), .init("XVM_MOUNTPOINT", filesystem.mountPoint)])
            return false
        }
        record(report, action: action)
        if let restore = options.restore, report.fileOwners.contains(where: \.isDataLoss) {
            Restorer(filesystem: filesystem, options: restore, verifier: verifier).restore(report).forEach(log.log)
        }
        return report.scan.complete
    }

    /// Logs what a verification found, marks it new or known in the
    /// history and records it there, and writes the report.
    private func record(_ found: Report, action: String) {
        var report = found
        var problems: [String] = []
        if let directory = options.historyDirectory {
            do {
                var history = try History.load(directory: directory, uuid: report.scan.filesystem.geometry.uuid)
                // New or known against the last complete scan of allocated
                // space (the scheduled one), as a scan marks its findings.
                for index in report.badRanges.indices {
                    report.badRanges[index].status = history.status(of: report.badRanges[index].bad, scope: .allocated)
                }
                // A verification of some ranges is not a scan of the
                // filesystem: recorded as incomplete, so that --interval
                // never takes it for the monthly scan.
                var run = report
                if action != "scan" { run.scan.complete = false }
                history.record(run)
                try history.save(directory: directory)
            } catch {
                problems.append(error.description)
            }
        }
        report.errors += problems
        FindingEntries(report: report, action: action).entries.forEach(log.log)
        let mount = report.scan.filesystem.mountPoint
        let devices = report.scan.devices.map(\.device.role.rawValue).joined(separator: " and ")
        let what = action == "scan" ? "full scan verified \(formatBytes(report.scan.bytesVerified))"
            : "verified \(formatBytes(report.scan.bytesVerified)) of the \(devices) device"
        let found = report.badRanges.isEmpty ? "no media errors"
            : "\(report.badRanges.count) bad range\(report.badRanges.count == 1 ? "" : "s"), "
                + "\(report.scan.badSectors) bad sector\(report.scan.badSectors == 1 ? "" : "s"), \(report.filesAffected) file\(report.filesAffected == 1 ? "" : "s") affected"
                + (report.badRanges.contains { $0.status != nil } ? ", \(report.newBadRanges) new" : "")
        let summary = "\(mount): \(what) in \(formatSeconds(report.scan.seconds))\(report.scan.complete ? "" : " (stopped early)"): \(found)"
        log.log(summary, priority: report.exitStatus.contains(.dataLost) ? .error : report.badRanges.isEmpty ? .info : .warning,
                [.init("XVM_EVENT", "verified"), .init("XVM_ACTION", action), .init("XVM_MOUNTPOINT", mount),
                 .init("XVM_BYTES", String(report.scan.bytesVerified)), .init("XVM_BAD_RANGES", String(report.badRanges.count)),
                 .init("XVM_NEW_BAD_RANGES", String(report.newBadRanges))])
        if let path = options.reportPath {
            do {
                try AtomicFile.write(JSONReport(report).encoded(), to: path, mode: 0o600)
            } catch {
                log.log("\(path): cannot write the report: \(error)", priority: .error)
            }
        }
    }

    static func now() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

/// Why watch mode could not start.
public enum WatchError: Error, Sendable, CustomStringConvertible {
    case monitor(HealthMonitorError)
    case operational(String)

    public var description: String {
        switch self {
        case .monitor(let error): error.description
        case .operational(let message): message
        }
    }
}
