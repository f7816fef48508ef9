import Synchronization

/// A read that failed in part, waiting to be narrowed to sectors.
struct PinpointJob: Sendable {
    let chunk: Chunk
    /// The part of the chunk that failed (all of it, or what followed a
    /// short read).
    let failed: ByteRange
    let error: Errno?
}

/// Tuning of the read path, chosen from the device and the command line.
public struct ReadTuning: Sendable, Equatable {
    public var ioSize: Int
    public var queueDepth: Int
    public var mergeGap: UInt64
    /// Sleep between reads inside XFS_IOC_VERIFY_MEDIA (background mode).
    public var restMicroseconds: UInt32 = 0
    public var idlePriority = false
}

/// Everything the threads scanning one device share: the plan queue, the
/// counters, the findings, pacing and the stop signal.
final class DeviceScan: Sendable {
    let device: BlockDevice
    let filesystem: MountedFilesystem
    let tuning: ReadTuning
    let chunks: LaneQueues
    let pinpointJobs: BlockingQueue<PinpointJob>
    let counters = DeviceCounters()
    let findings: Findings
    let tracker: LaneTracker
    let stop: StopSignal
    /// Set when this device cannot be read any more.
    let deviceStopped = Atomic<Bool>(false)
    /// Reads of this scan in flight on the device right now.
    let inflight = Atomic<Int>(0)
    private let limiter: RateLimiter?
    private let foregroundYield: ForegroundYield?
    private let latencies = Mutex(LatencyHistogram())

    init(device: BlockDevice, filesystem: MountedFilesystem, tuning: ReadTuning, lanes: [Lane], resumeFrom: [Int: UInt64],
         findings: Findings, stop: StopSignal, limiter: RateLimiter?, background: Bool) {
        self.device = device
        self.filesystem = filesystem
        self.tuning = tuning
        chunks = LaneQueues(lanes: lanes.count, capacity: max(32, tuning.queueDepth * 2))
        pinpointJobs = BlockingQueue(capacity: 4096)
        tracker = LaneTracker(lanes: lanes, resumeFrom: resumeFrom)
        self.findings = findings
        self.stop = stop
        self.limiter = limiter
        foregroundYield = background ? ForegroundYield(device: device) : nil
    }

    /// True once no new reads should start.
    var shouldStop: Bool { stop.isRequested || deviceStopped.load(ordering: .relaxed) }

    /// Nanoseconds to wait before reading `bytes` (rate cap, background
    /// yielding); 0 to go ahead, in which case the bytes are paid for.
    func pacingDelay(bytes: Int) -> UInt64 {
        if let foregroundYield {
            let wait = foregroundYield.delay(ourInflight: inflight.load(ordering: .relaxed))
            if wait > 0 { return wait }
        }
        return limiter?.tryAcquire(bytes) ?? 0
    }

    /// Pacing for readers that block: waits on the calling thread.
    func waitForPacing(bytes: Int) {
        while !shouldStop {
            let wait = pacingDelay(bytes: bytes)
            if wait == 0 { return }
            sleep(nanoseconds: wait)
        }
    }

    /// Accounts for an engine read and passes failures on to pinpointing.
    func finished(_ chunk: Chunk, _ outcome: ReadOutcome, latencyNanoseconds: UInt64) {
        latencies.withLock { $0.record(latencyNanoseconds / 1000) }
        switch outcome {
        case .complete:
            counters.bytesRead.add(UInt64(chunk.length), ordering: .relaxed)
            verified(chunk.scope)
            tracker.completed(chunk, bytesRead: UInt64(chunk.length))
        case .partial(let count, let error):
            counters.bytesRead.add(UInt64(count), ordering: .relaxed)
            let split = chunk.range.start + UInt64(count)
            verified(chunk.scope.map { $0.clamped(to: ByteRange(chunk.range.start, split)) })
            pinpointJobs.push(PinpointJob(chunk: chunk, failed: ByteRange(split, chunk.range.end), error: error))
        case .failed(.EINTR):
            // A fatal signal inside XFS_IOC_VERIFY_MEDIA: the process is being
            // killed. The chunk stays unread, so a checkpoint resumes at it.
            stop.request("interrupted by a fatal signal")
            unplanned(chunk)
        case .failed(let error):
            pinpointJobs.push(PinpointJob(chunk: chunk, failed: chunk.range, error: error))
        }
    }

    /// A planned chunk that will not be read in this run after all (the
    /// scan stopped); a resumed scan plans it again.
    func unplanned(_ chunk: Chunk) {
        counters.bytesPlanned.subtract(chunk.scopeBytes, ordering: .relaxed)
    }

    /// In-scope bytes read successfully.
    func verified(_ ranges: [ByteRange]) {
        let bytes = ranges.reduce(0) { $0 + $1.count }
        counters.bytesVerified.add(bytes, ordering: .relaxed)
        counters.bytesDone.add(bytes, ordering: .relaxed)
    }

    /// In-scope bytes found bad or given up on.
    func handled(_ range: ByteRange) {
        counters.bytesDone.add(range.count, ordering: .relaxed)
    }

    /// The device cannot be read any more: record why and stop reading it.
    func deviceFailed(_ error: Errno) {
        if !deviceStopped.exchange(true, ordering: .relaxed) {
            findings.recordError("\(device.path): \(device.role) device stopped responding: \(error)")
        }
    }

    var latencyHistogram: LatencyHistogram { latencies.withLock { $0 } }
}
