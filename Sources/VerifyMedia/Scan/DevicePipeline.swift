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
    private let pinpointJobs = BlockingQueue<PinpointJob>(capacity: 4096)
    /// Handed to the feeder thread, which alone uses them.
    private let planners: UncheckedSendable<[LanePlanner]>

    init(device: BlockDevice, tuning: ReadTuning, ledger: DeviceLedger, planners: [LanePlanner], pacer: Pacer, stop: DeviceStop) {
        self.device = device
        self.tuning = tuning
        self.ledger = ledger
        self.planners = UncheckedSendable(planners)
        self.pacer = pacer
        self.stop = stop
        queues = LaneQueues(lanes: ledger.lanes.count, capacity: max(32, tuning.queueDepth * 2))
    }

    var context: ReadContext {
        ReadContext(device: device, tuning: tuning, chunks: queues, pacer: pacer, stop: stop, sink: self)
    }

    /// Starts the planners, the engine and the pinpointer.
    func start(_ readers: DeviceReaders, vanished: @escaping @Sendable () -> StopCause) -> [DedicatedThread] {
        let context = self.context
        let feeder = ChunkFeeder(planners: planners, queues: queues, sink: self, stop: stop, vanished: vanished)
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
        let pinpointing = DedicatedThread.start(name: "pinpoint-\(device.role)") { [self] in
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
        return [planning, reading, pinpointing]
    }

    /// The scan stops: chunks not yet read stay unread (the ledger keeps
    /// them outstanding, so a checkpoint resumes exactly at them), and the
    /// planners waiting for room in the queues return.
    func stopReading() {
        for chunk in queues.closeAndDrain() { ledger.dropped(chunk) }
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
        let failed: ByteRange
        let error: Errno?
        switch outcome {
        case .complete: return
        case .partial(let count, let why):
            failed = ByteRange(chunk.range.start + UInt64(count), chunk.range.end)
            error = why
        case .failed(let why):
            failed = chunk.range
            error = why
        }
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
