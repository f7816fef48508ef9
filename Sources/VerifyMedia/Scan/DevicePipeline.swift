/// How one device is read: the engine's readers, and what the pinpointer
/// reads with.
struct DeviceReaders: Sendable {
    enum Engine: Sendable {
        /// One thread keeping many reads in flight (io_uring, libaio); the
        /// queue is made on that thread.
        case queued(@Sendable () throws(Errno) -> any AsyncReadQueue)
        /// Several threads, one blocking read each (pread, the kernel ioctl).
        case blocking(threads: Int, @Sendable () throws(Errno) -> any BlockingReader)
    }
    let engine: Engine
    let pinpointReader: @Sendable () throws(Errno) -> any BlockingReader
    /// Sector reads of the pinpointer tell the kernel themselves (kernel engine).
    let reportingReads: Bool
    /// Tells the kernel of bad sectors the other engines find.
    let reporter: KernelReporter?
}

/// The threads scanning one device and how they connect: planners feed
/// the lane queues, an engine reads from them, failed reads go on to the
/// pinpointer, and every report ends in the device's ledger. This is the
/// sink the threads report to: it passes each report on to the ledger and
/// adds the follow-up (a failed read is queued for pinpointing, a dead
/// device stops its readers and planners).
final class DevicePipeline: ScanSink {
    let device: BlockDevice
    let tuning: ReadTuning
    let ledger: DeviceLedger
    let queues: LaneQueues
    let pacer: Pacer
    let stop: DeviceStop
    /// Where reads failed: chunks near them are read in pieces.
    let errorZones: MediaErrorZones
    private let pinpointJobs = BlockingQueue<PinpointJob>(capacity: 4096)
    /// Handed to the feeder thread, which alone uses them.
    private let planners: UncheckedSendable<[LanePlanner]>
    /// Per lane: the group whose space map it shares (`ChunkFeeder`).
    private let groups: [Int]
    private let planningThreads: Int

    /// Failed reads narrowed at once on flash: each takes a few dozen small
    /// reads one after the other, and a disk with many bad sectors should
    /// not keep the scan waiting for them after its last read. One on a
    /// spinning disk, whose heads would only seek between them.
    static let pinpointThreads = 4
    private var pinpointThreads: Int { device.rotational ? 1 : DevicePipeline.pinpointThreads }

    /// `groups`: per lane, the space-map group it belongs to (by default
    /// each lane its own). A rotational device is read in one sweep and
    /// planned by one thread; others read the nearest lane with a chunk
    /// ready, planned by a thread per group (`ChunkFeeder`, `LaneQueues`).
    init(device: BlockDevice, tuning: ReadTuning, ledger: DeviceLedger, planners: [LanePlanner], groups: [Int]? = nil,
         pacer: Pacer, stop: DeviceStop) {
        self.device = device
        self.tuning = tuning
        self.ledger = ledger
        self.planners = UncheckedSendable(planners)
        self.groups = groups ?? Array(0..<ledger.lanes.count)
        self.pacer = pacer
        self.stop = stop
        errorZones = MediaErrorZones(ioSize: tuning.ioSize, sectorSize: device.logicalSectorSize,
                                     maxRequest: device.maxRequestBytes)
        planningThreads = device.rotational ? 1 : ChunkFeeder.parallelGroups
        queues = LaneQueues(lanes: ledger.lanes.count, order: device.rotational ? .sweep : .nearestReady,
                            budget: tuning.planBudget, reserve: max(8, tuning.queueDepth * 2))
    }

    var context: ReadContext {
        ReadContext(device: device, tuning: tuning, chunks: queues, pacer: pacer, stop: stop, sink: self,
                    errorZones: errorZones)
    }

    /// Starts the planners, the engine and the pinpointer.
    func start(_ readers: DeviceReaders, vanished: @escaping @Sendable () -> StopCause) -> [DedicatedThread] {
        let context = self.context
        let feeder = ChunkFeeder(planners: planners, groups: groups, threads: planningThreads, queues: queues, sink: self,
                                 stop: stop, vanished: vanished)
        let planning = DedicatedThread.start(name: "plan-\(device.role)") { feeder.run() }
        let reading = DedicatedThread.start(name: "engine-\(device.role)") { [self] in
            switch readers.engine {
            case .queued(let makeQueue):
                if tuning.idlePriority { IOPriority.setIdleForCurrentThread() }
                do throws(Errno) {
                    QueuedReadLoop(context: context, queue: try makeQueue()).run()
                } catch {
                    problem("\(device.path): cannot set up the read engine: \(error)")
                    deviceFailed(error)
                }
            case .blocking(let threads, let makeReader):
                ThreadedReadLoop(context: context, threads: threads, makeReader: makeReader).run()
            }
            pinpointJobs.close()
        }
        let pinpointing = (0..<pinpointThreads).map { index in
            DedicatedThread.start(name: "pinpoint-\(device.role)-\(index)") { [self] in
                if tuning.idlePriority { IOPriority.setIdleForCurrentThread() }
                let pinpointer: Pinpointer
                do throws(Errno) {
                    pinpointer = Pinpointer(context: context, reader: try readers.pinpointReader(),
                                            reportingReads: readers.reportingReads, reporter: readers.reporter)
                } catch {
                    problem("\(device.path): cannot start pinpointing: \(error)")
                    while let job = pinpointJobs.pop() { ledger.pinpointed(job.chunk, leftover: .operational, error: error) }
                    return
                }
                while let job = pinpointJobs.pop() { pinpointer.run(job) }
            }
        }
        return [planning, reading] + pinpointing
    }

    /// The scan stops: chunks not yet read stay unread (the ledger keeps
    /// them outstanding, so a checkpoint resumes exactly at them), and the
    /// planners waiting for room in the queues return.
    func stopReading() {
        for chunk in queues.closeAndDrain() { ledger.dropped(chunk) }
    }

    /// The device's share of the result, with how its plan kept ahead.
    func result(seconds: Double) -> (device: DeviceResult, bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange],
                                     errors: [String], lanes: [LaneStatistics]) {
        var part = ledger.result(seconds: seconds, tuning: tuning, queues: queues.currentStatistics)
        part.device.plan.order = queues.order == .sweep ? "sweep" : "nearest"
        part.device.plan.planningThreads = min(planningThreads, max(1, ledger.lanes.count))
        part.device.plan.spaceMapYieldSeconds = pacer.spaceMapYield?.seconds ?? 0
        return part
    }

    // MARK: ScanSink

    func read(_ chunk: Chunk, _ outcome: ReadOutcome, latencyNanoseconds: UInt64) {
        if outcome == .failed(.EINTR) {
            // A fatal signal inside XFS_IOC_VERIFY_MEDIA: the process is being
            // killed. The chunk stays unread, so a checkpoint resumes at it.
            stop.scan.request(.fatalSignal)
            ledger.dropped(chunk)
            return
        }
        ledger.read(chunk, outcome, latencyNanoseconds: latencyNanoseconds)
        guard let failure = outcome.failure(of: chunk.range) else { return }
        pinpoint(chunk, failed: failure.range, error: failure.error)
    }

    func read(_ chunk: Chunk, pieces: [PieceRead]) {
        // A fatal signal inside XFS_IOC_VERIFY_MEDIA: stop, and the pinpointer
        // leaves what failed unverified for the next run.
        if pieces.contains(where: { $0.outcome == .failed(.EINTR) }) { stop.scan.request(.fatalSignal) }
        ledger.read(chunk, pieces: pieces)
        let failures = pieces.compactMap { $0.outcome.failure(of: $0.range) }.sorted { $0.range.start < $1.range.start }
        guard let first = failures.first, let last = failures.last else { return }
        // One job for the span of the failed pieces: a piece between them
        // that read fine is only read again, never counted twice.
        pinpoint(chunk, failed: ByteRange(first.range.start, last.range.end), error: first.error)
    }

    /// Queues the failed part of a chunk for pinpointing, and reads near it
    /// in pieces from now on when the medium failed.
    private func pinpoint(_ chunk: Chunk, failed: ByteRange, error: Errno?) {
        if error.map({ ErrorClass($0) == .media }) ?? true { errorZones.note(failed) }
        if !pinpointJobs.push(PinpointJob(chunk: chunk, failed: failed, error: error)) {
            ledger.pinpointed(chunk, leftover: .interrupted, error: .ECANCELED)
        }
    }

    func deviceFailed(_ error: Errno) {
        ledger.deviceFailed(error)
        if stop.fail() { stopReading() }
    }

    func planned(_ chunk: Chunk, resumePoint: UInt64) { ledger.planned(chunk, resumePoint: resumePoint) }
    func lanePlanned(_ lane: Int) { ledger.lanePlanned(lane) }
    func laneMapped(_ lane: Int, records: UInt64, nanoseconds: UInt64) {
        ledger.laneMapped(lane, records: records, nanoseconds: nanoseconds)
    }
    func laneUnplannable(_ lane: Int, from offset: UInt64, error: Errno) { ledger.laneUnplannable(lane, from: offset, error: error) }
    func dropped(_ chunk: Chunk) { ledger.dropped(chunk) }
    func reread(_ chunk: Chunk, bytes: UInt64) { ledger.reread(chunk, bytes: bytes) }
    func verified(_ range: ByteRange, in chunk: Chunk) { ledger.verified(range, in: chunk) }
    func bad(_ range: ByteRange, _ error: Errno, reportedToKernel: Bool, in chunk: Chunk) {
        ledger.bad(range, error, reportedToKernel: reportedToKernel, in: chunk)
    }
    func unverified(_ range: ByteRange, _ error: Errno, _ reason: UnverifiedReason, in chunk: Chunk) {
        ledger.unverified(range, error, reason, in: chunk)
    }
    func flaky(_ range: ByteRange, _ error: Errno?) { ledger.flaky(range, error) }
    func pinpointed(_ chunk: Chunk, leftover: UnverifiedReason, error: Errno) { ledger.pinpointed(chunk, leftover: leftover, error: error) }
    func problem(_ message: String) { ledger.problem(message) }
}
