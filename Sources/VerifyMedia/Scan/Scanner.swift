import CXFS
import Glibc

/// Runs a scan. For every device, planner threads stream the space map
/// lane by lane into bounded queues, an engine reads what they planned,
/// and a pinpointer narrows the reads that failed; the calling thread
/// watches over them (progress, checkpoints, unmount) and builds the result.
public final class Scanner: Sendable {
    public let filesystem: MountedFilesystem
    public let engine: EngineKind
    public let scope: ScanScope
    public let stop: StopSignal
    let findings = Findings()
    let scans: [DeviceScan]
    /// Each device's planners are handed to its feeder thread, which alone uses them.
    private let planners: UncheckedSendable<[[LanePlanner]]>
    private let deviceFDs: [FileDescriptor]

    public init(filesystem: MountedFilesystem, options: ScanOptions, engine: EngineKind, stop: StopSignal = StopSignal()) throws(VerifyMediaError) {
        self.filesystem = filesystem
        self.stop = stop
        self.engine = engine
        scope = options.scope
        let limiter = (options.rate ?? (options.background ? ScanOptions.backgroundRate : nil)).map {
            RateLimiter(bytesPerSecond: $0, burst: options.readSize)
        }
        var scans: [DeviceScan] = []
        var planners: [[LanePlanner]] = []
        var fds: [FileDescriptor] = []
        for device in filesystem.devices {
            if let wanted = options.devices, !wanted.contains(device.role) { continue }
            // The log holds no file data.
            if options.scope == .data && device.role == .log { continue }
            let tuning = options.tuning(for: device, engine: engine)
            let lanes = LaneLayout.lanes(for: device, geometry: filesystem.geometry, scope: options.scope)
            let resume = options.resumeFrom[device.role] ?? [:]
            let scan = DeviceScan(device: device, filesystem: filesystem, tuning: tuning, lanes: lanes, resumeFrom: resume,
                                  findings: findings, stop: stop, limiter: limiter, background: options.background)
            scan.counters.bytesEstimated.store(Scanner.estimate(device, filesystem, options.scope), ordering: .relaxed)
            planners.append(lanes.map { lane in
                let source = LaneSources.source(for: lane, of: device, filesystem: filesystem, scope: options.scope,
                                                timer: scan.counters.spaceMap)
                return LanePlanner(lane: lane, source: source, ioSize: UInt64(tuning.ioSize), mergeGap: tuning.mergeGap,
                                   alignment: UInt64(device.logicalSectorSize), resumeFrom: resume[lane.index])
            })
            do {
                fds.append(try FileDescriptor.open(device.path, O_RDONLY | CXFS_O_DIRECT))
            } catch {
                fds.forEach { $0.close() }
                throw .operational("\(device.path): cannot open \(device.role) device: \(error)")
            }
            scans.append(scan)
        }
        guard !scans.isEmpty else { throw .usage("nothing to scan: no selected device holds data in scope \(options.scope.rawValue)") }
        self.scans = scans
        self.planners = UncheckedSendable(planners)
        deviceFDs = fds
    }

    deinit { deviceFDs.forEach { $0.close() } }

    /// A first guess at the bytes in scope, so progress has a denominator
    /// before the space map has been read to the end.
    private static func estimate(_ device: BlockDevice, _ filesystem: MountedFilesystem, _ scope: ScanScope) -> UInt64 {
        let geometry = filesystem.geometry
        switch (device.role, scope) {
        case (_, .device): return device.size
        case (.log, _): return geometry.logBytes
        case (.rt, _): return geometry.rtBytes
        case (.data, _):
            var fs = statvfs()
            guard statvfs(filesystem.mountPoint, &fs) == 0 else { return geometry.dataBytes }
            return UInt64(fs.f_blocks - fs.f_bfree) * UInt64(fs.f_frsize)
        }
    }

    /// Scans until done or stopped; calls `tick` on this thread every
    /// `interval` seconds meanwhile (progress, checkpoints).
    public func run(tickInterval: Double = 0.5, tick: (Scanner) -> Void = { _ in }) -> ScanResult {
        let started = Double(time(nil))
        let startNanoseconds = monotonicNanoseconds()
        var threads: [DedicatedThread] = []
        for (index, scan) in scans.enumerated() {
            let fd = deviceFDs[index]
            let planners = UncheckedSendable(self.planners.value[index])
            threads.append(DedicatedThread.start(name: "plan-\(scan.device.role)") {
                ChunkFeeder(scan: scan, planners: planners.value).run()
            })
            let engine = self.engine
            threads.append(DedicatedThread.start(name: "engine-\(scan.device.role)") {
                Scanner.runEngine(engine, scan: scan, fd: fd)
                scan.pinpointJobs.close()
            })
            threads.append(DedicatedThread.start(name: "pinpoint-\(scan.device.role)") {
                let reader: any BlockingReader
                do throws(Errno) {
                    reader = try Scanner.blockingReader(engine, scan: scan, fd: fd)
                } catch {
                    scan.findings.recordError("\(scan.device.path): cannot start pinpointing: \(error)")
                    while let job = scan.pinpointJobs.pop() {
                        scan.findings.recordUnverified(scan.device.role, job.failed, error, reason: "operational")
                    }
                    return
                }
                let pinpointer = Pinpointer(scan: scan, reader: reader, buffer: AlignedBuffer(count: scan.tuning.ioSize))
                while let job = scan.pinpointJobs.pop() { pinpointer.run(job) }
            })
        }
        var stopHandled = false
        let tickNanoseconds = UInt64(tickInterval * 1e9)
        var nextTick = monotonicNanoseconds() + tickNanoseconds
        while !threads.allSatisfy({ $0.isFinished }) {
            sleep(nanoseconds: 20_000_000)
            if !stopHandled && !stop.isRequested && !filesystem.isStillMounted {
                stop.request("\(filesystem.mountPoint) was unmounted during the scan")
            }
            if stop.isRequested && !stopHandled {
                stopHandled = true
                // Unread chunks stay outstanding in the lane trackers, so the
                // checkpoint resumes exactly at them.
                for scan in scans {
                    for chunk in scan.chunks.closeAndDrain() { scan.unplanned(chunk) }
                }
            }
            if monotonicNanoseconds() >= nextTick {
                tick(self)
                nextTick = monotonicNanoseconds() + tickNanoseconds
            }
        }
        threads.forEach { $0.join() }
        let seconds = Double(monotonicNanoseconds() - startNanoseconds) / 1e9
        return result(started: started, seconds: seconds)
    }

    private static func runEngine(_ engine: EngineKind, scan: DeviceScan, fd: FileDescriptor) {
        let tuning = scan.tuning
        switch engine {
        case .uring, .aio:
            if tuning.idlePriority { IOPriority.setIdleForCurrentThread() }
            do throws(Errno) {
                let queue: any AsyncReadQueue = engine == .uring
                    ? try URingQueue(fd: fd, depth: tuning.queueDepth, ioSize: tuning.ioSize, idlePriority: tuning.idlePriority)
                    : try AIOQueue(fd: fd, depth: tuning.queueDepth, ioSize: tuning.ioSize)
                QueuedReadLoop(scan: scan, queue: queue).run()
            } catch {
                scan.findings.recordError("\(scan.device.path): cannot set up the \(engine.rawValue) engine: \(error)")
                scan.deviceFailed(error)
                _ = scan.chunks.closeAndDrain()
            }
        case .sync, .kernel:
            ThreadedReadLoop(scan: scan, threads: tuning.queueDepth, bufferSize: tuning.ioSize) { () throws(Errno) in
                try blockingReader(engine, scan: scan, fd: fd)
            }.run()
        }
    }

    private static func blockingReader(_ engine: EngineKind, scan: DeviceScan, fd: FileDescriptor) throws(Errno) -> any BlockingReader {
        guard engine == .kernel else { return PreadReader(fd: fd) }
        let mount = try scan.filesystem.openMountPoint()
        var reader = VerifyMediaReader(mount: mount, device: scan.device.role,
                                       maxIOSize: UInt32(min(scan.tuning.ioSize, 1 << 20)),
                                       restMicroseconds: scan.tuning.restMicroseconds)
        if let end = VerifyMediaReader.kernelEnd(of: scan.device.role, mount), end < scan.device.section.end {
            reader.kernelEnd = end
            reader.pastKernelEnd = PreadReader(fd: fd)
        }
        return reader
    }

    /// Per device: lane index -> offset up to which the lane is verified.
    public func watermarks() -> [DeviceRole: [Int: UInt64]] {
        Dictionary(uniqueKeysWithValues: scans.map { scan in
            (scan.device.role, Dictionary(uniqueKeysWithValues: scan.tracker.watermarks().enumerated().map { ($0, $1) }))
        })
    }

    /// Findings so far (for checkpoints).
    public func findingsSnapshot() -> (bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange]) {
        let snapshot = findings.snapshot()
        return (snapshot.bad, snapshot.unverified, snapshot.flaky)
    }

    /// Adds findings of an earlier, interrupted run of the same scan.
    public func restoreFindings(bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange]) {
        findings.restore(bad: bad, unverified: unverified, flaky: flaky)
    }

    public var progress: ScanProgress {
        ScanProgress(devices: scans.map {
            ScanProgress.Device(role: $0.device.role, bytesDone: $0.counters.bytesDone.load(ordering: .relaxed),
                                bytesTotal: $0.counters.bytesTotal, bytesRead: $0.counters.bytesRead.load(ordering: .relaxed))
        })
    }
}
