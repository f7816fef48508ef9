import CXFS
import Glibc

/// Runs a scan. For every device, planner threads stream the space map
/// lane by lane into bounded queues, an engine reads what they planned,
/// and a pinpointer narrows the reads that failed; everything they learn
/// goes to the device's ledger (`DevicePipeline`, `DeviceLedger`). The
/// calling thread watches over them (progress, checkpoints, unmount) and
/// builds the result.
///
/// Two kinds of scan share that path:
/// - the whole filesystem (`init(filesystem:options:engine:stop:resuming:)`):
///   every device's lanes (`LaneLayout`), or what an interrupted scan left
///   of them, plus the ranges it gave up on;
/// - ranges a caller names (`init(filesystem:ranges:options:engine:stop:)`):
///   only those, widened to whole sectors; with the default scope only
///   their allocated parts are read (`--scope device` reads them whole).
///   Failed reads are pinpointed and reported to the kernel the same way;
///   `OwnerResolver` then names the owners of `ScanResult.badRanges`.
///   This is what verifying a range the health monitor reported, or
///   re-checking ranges the history knows to be bad, calls:
///
///       let scanner = try Scanner(filesystem: fs, ranges: [DeviceRange(.data, ByteRange(start, end))],
///                                 options: ScanOptions(), engine: .uring)
///       let result = scanner.run()
///       let owned = OwnerResolver(filesystem: fs).resolve(result.badRanges)
///
///   `result.complete` says whether every range was read; such a scan
///   records no checkpoint and no history by itself.
public final class Scanner: Sendable {
    public let filesystem: MountedFilesystem
    public let engine: EngineKind
    public let scope: ScanScope
    public let stop: StopSignal
    /// Whether bad sectors found are reported to the kernel.
    public let kernelReporting: KernelReporting
    let pipelines: [DevicePipeline]
    let mount: MountAccess
    private let deviceFDs: [FileDescriptor]

    /// A scan of the whole filesystem; `resuming` continues the scan that
    /// checkpoint records: each lane from where it stopped, findings kept
    /// where nothing is read again, ranges given up on read again.
    public convenience init(filesystem: MountedFilesystem, options: ScanOptions, engine: EngineKind,
                            stop: StopSignal = StopSignal(), resuming earlier: Checkpoint? = nil) throws(VerifyMediaError) {
        try self.init(filesystem: filesystem, options: options, engine: engine, stop: stop) { device in
            let layout = LaneLayout.lanes(for: device, geometry: filesystem.geometry, scope: options.scope)
            let resumption = earlier?.resumption(of: device, lanes: layout) ?? DeviceResumption()
            let retries = resumption.retries.enumerated().map { offset, retry in
                Lane(index: layout.count + offset, role: device.role,
                     name: "retry daddr \(retry.range.start >> 9)-\((retry.range.end >> 9) - 1)", range: retry.range,
                     mapped: LaneLayout.isMapped(device.role, options.scope))
            }
            return (layout + retries, layout.count, resumption)
        }
    }

    /// A scan of `ranges` only (see the type's documentation).
    public convenience init(filesystem: MountedFilesystem, ranges: [DeviceRange], options: ScanOptions, engine: EngineKind,
                            stop: StopSignal = StopSignal()) throws(VerifyMediaError) {
        for range in ranges where filesystem.device(range.device) == nil {
            throw .usage("\(filesystem.mountPoint): the filesystem has no \(range.device) device (range \(range.range))")
        }
        try self.init(filesystem: filesystem, options: options, engine: engine, stop: stop) { device in
            let wanted = ranges.filter { $0.device == device.role }.map(\.range)
            let lanes = LaneLayout.lanes(covering: wanted, of: device, scope: options.scope)
            return lanes.isEmpty ? nil : (lanes, 0, DeviceResumption())
        }
    }

    /// `plan` gives each device's lanes (the first `layout` of them its
    /// layout) and what it resumes; nil leaves the device out.
    private init(filesystem: MountedFilesystem, options: ScanOptions, engine: EngineKind, stop: StopSignal,
                 plan: (BlockDevice) -> (lanes: [Lane], layout: Int, resumption: DeviceResumption)?) throws(VerifyMediaError) {
        try options.validate(for: filesystem)
        self.filesystem = filesystem
        self.stop = stop
        self.engine = engine
        scope = options.scope
        let mount = MountAccess(filesystem: filesystem)
        self.mount = mount
        kernelReporting = Scanner.kernelReporting(options, engine: engine, mount: mount)
        let limiter = options.effectiveRate.map { RateLimiter(bytesPerSecond: $0, burst: options.readSize) }
        var pipelines: [DevicePipeline] = []
        var fds: [FileDescriptor] = []
        for device in filesystem.devices {
            if let wanted = options.devices, !wanted.contains(device.role) { continue }
            // The log holds no file data.
            if options.scope == .data && device.role == .log { continue }
            guard let plan = plan(device) else { continue }
            let tuning = options.tuning(for: device, engine: engine)
            let ledger = DeviceLedger(device: device, lanes: plan.lanes, layoutLanes: plan.layout, resumption: plan.resumption)
            // A resumed scan estimates what is left of it.
            let estimate = Scanner.estimate(device, filesystem, options.scope)
            ledger.progress.estimated.store(plan.layout > 0 ? estimate - min(estimate, plan.resumption.settledBytes)
                                                             : plan.lanes.reduce(0) { $0 + $1.range.count },
                                            ordering: .relaxed)
            let yield = SpaceMapYield(progress: ledger.progress, timer: ledger.spaceMap, tuning: tuning)
            let planners = plan.lanes.map {
                LanePlanner(lane: $0, mount: mount, scope: options.scope, device: device, tuning: tuning,
                            resumeFrom: plan.resumption.resumeFrom[$0.index], timer: ledger.spaceMap, yield: yield)
            }
            let pacer = Pacer(limiter: limiter, foregroundYield: options.background ? ForegroundYield(device: device) : nil,
                              spaceMapYield: yield)
            do {
                fds.append(try FileDescriptor.open(device.path, O_RDONLY | CXFS_O_DIRECT))
            } catch {
                fds.forEach { $0.close() }
                throw .operational("\(device.path): cannot open \(device.role) device: \(error)")
            }
            pipelines.append(DevicePipeline(device: device, tuning: tuning, ledger: ledger, planners: planners,
                                            groups: plan.lanes.map { $0.spaceMapGroup(filesystem.geometry) }, pacer: pacer,
                                            stop: DeviceStop(scan: stop)))
        }
        guard !pipelines.isEmpty else {
            throw .usage("nothing to scan: no selected device holds data in scope \(options.scope.rawValue)")
        }
        self.pipelines = pipelines
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
        let vanished: @Sendable () -> StopCause = { [filesystem] in Scanner.vanishedCause(filesystem) }
        for (index, pipeline) in pipelines.enumerated() {
            threads += pipeline.start(readers(for: pipeline, fd: deviceFDs[index]), vanished: vanished)
        }
        var stopHandled = false
        let tickNanoseconds = UInt64(tickInterval * 1e9)
        var nextTick = monotonicNanoseconds() + tickNanoseconds
        while !threads.allSatisfy({ $0.isFinished }) {
            sleep(nanoseconds: 20_000_000)
            if !stopHandled && !stop.isRequested {
                switch filesystem.mountState {
                case .mounted: break
                case .unmounted: stop.request(vanished())
                case .shutDown: stop.request(Scanner.shutDownCause(filesystem))
                }
            }
            if stop.isRequested && !stopHandled {
                stopHandled = true
                pipelines.forEach { $0.stopReading() }
            }
            if monotonicNanoseconds() >= nextTick {
                tick(self)
                nextTick = monotonicNanoseconds() + tickNanoseconds
            }
        }
        threads.forEach { $0.join() }
        for pipeline in pipelines where !pipeline.device.isPresent || stop.cause == .deviceRemoved(pipeline.device.role, path: pipeline.device.path) {
            pipeline.ledger.deviceRemoved()
        }
        let seconds = Double(monotonicNanoseconds() - startNanoseconds) / 1e9
        return result(started: started, seconds: seconds)
    }

    /// The filesystem is gone from its mount point: unmounted, or one of
    /// its devices removed (XFS then shuts down, and systemd unmounts it).
    /// The filesystem shut down under the scan. A device being removed
    /// makes XFS shut down ("Block device removal") a moment before its
    /// sysfs node goes: give it that moment before saying why.
    static func shutDownCause(_ filesystem: MountedFilesystem, grace: UInt64 = 2_000_000_000) -> StopCause {
        let end = monotonicNanoseconds() + grace
        repeat {
            if case .deviceRemoved = vanishedCause(filesystem) { return vanishedCause(filesystem) }
            sleep(nanoseconds: 50_000_000)
        } while monotonicNanoseconds() < end
        return .shutDown(mountPoint: filesystem.mountPoint)
    }

    static func vanishedCause(_ filesystem: MountedFilesystem) -> StopCause {
        if let gone = filesystem.devices.first(where: { !$0.isPresent }) {
            return .deviceRemoved(gone.role, path: gone.path)
        }
        return .unmounted(mountPoint: filesystem.mountPoint)
    }

    public var progress: ScanProgress {
        ScanProgress(devices: pipelines.map {
            let progress = $0.ledger.progress
            return ScanProgress.Device(role: $0.device.role, bytesDone: progress.done.load(ordering: .relaxed),
                                       bytesTotal: progress.total, bytesRead: progress.read.load(ordering: .relaxed),
                                       bytesVerified: progress.verified.load(ordering: .relaxed),
                                       badSectors: progress.bad.load(ordering: .relaxed) / UInt64($0.device.logicalSectorSize))
        })
    }

    /// The result model, from the devices' ledgers.
    func result(started: Double, seconds: Double) -> ScanResult {
        var devices: [DeviceResult] = []
        var bad: [BadRange] = [], unverified: [UnverifiedRange] = [], flaky: [FlakyRange] = []
        var errors: [String] = [], lanes: [LaneStatistics] = []
        for pipeline in pipelines {
            let part = pipeline.result(seconds: seconds)
            devices.append(part.device)
            bad += part.bad
            unverified += part.unverified
            flaky += part.flaky
            errors += part.errors
            lanes += part.lanes
        }
        let complete = !stop.isRequested && pipelines.allSatisfy { $0.ledger.isComplete }
        return ScanResult(filesystem: filesystem, engine: engine, scope: scope, started: started, seconds: seconds,
                          complete: complete, stopCause: stop.cause, kernelReporting: kernelReporting, devices: devices,
                          badRanges: bad, unverifiedRanges: unverified, flakyRanges: flaky, errors: errors, lanes: lanes)
    }
}
