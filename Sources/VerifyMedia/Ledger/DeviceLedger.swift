import Synchronization

/// The books of one device's scan, and the only writer of its state: which
/// chunks are settled and where each lane resumes, the byte counts, the
/// findings, read latencies, whether the device failed. Everything else
/// reports here through `ScanSink` and reads the result when the threads
/// are done.
final class DeviceLedger: ScanSink {
    let device: BlockDevice
    let lanes: [Lane]
    /// Lanes `0..<layoutLanes` are the device's layout (what a checkpoint
    /// records); later ones are ranges asked for or retried.
    let layoutLanes: Int
    let progress = ProgressCounters()
    /// GETFSMAP records streamed for this device, and the time they took.
    let spaceMap = SpaceMapTimer()

    private struct State {
        var books: [LaneBook]
        var findings: FindingsBook
        var latencies = LatencyHistogram()
        var failure: Errno?
        /// When a read of this device last succeeded (monotonic ns).
        var lastGoodRead: UInt64 = 0
        /// Retry lane index -> the unverified range it reads again.
        var retries: [Int: UnverifiedRange]
    }
    private let state: Mutex<State>

    /// `lanes`: the layout lanes first (`layoutLanes` of them), then lanes
    /// for ranges asked for, then one per retried range of `resumption`.
    init(device: BlockDevice, lanes: [Lane], layoutLanes: Int, resumption: DeviceResumption = DeviceResumption()) {
        self.device = device
        self.lanes = lanes
        self.layoutLanes = layoutLanes
        let firstRetry = lanes.count - resumption.retries.count
        var books: [LaneBook] = []
        var retries: [Int: UnverifiedRange] = [:]
        for lane in lanes {
            let isRetry = lane.index >= firstRetry
            if isRetry { retries[lane.index] = resumption.retries[lane.index - firstRetry] }
            books.append(LaneBook(lane: lane, resumeFrom: resumption.resumeFrom[lane.index], countsPlanned: !isRetry))
        }
        var findings = FindingsBook(device: device.role)
        for bad in resumption.bad { findings.addBad(bad.range, bad.error, reportedToKernel: bad.reportedToKernel) }
        progress.bad.store(resumption.bad.reduce(0) { $0 + $1.range.count }, ordering: .relaxed)
        for flaky in resumption.flaky { findings.addFlaky(flaky.range, flaky.error) }
        state = Mutex(State(books: books, findings: findings, retries: retries))
        if lanes.isEmpty { progress.planningFinished.store(true, ordering: .releasing) }
    }

    // MARK: ScanSink

    func planned(_ chunk: Chunk, resumePoint: UInt64) {
        let now = monotonicNanoseconds()
        let counts = state.withLock { state in
            state.books[chunk.lane].planned(chunk, resumePoint: resumePoint, now: now)
            return state.books[chunk.lane].countsPlanned
        }
        if counts { progress.planned.add(chunk.scopeBytes, ordering: .relaxed) }
    }

    func lanePlanned(_ lane: Int) {
        let all = state.withLock { state in
            state.books[lane].planningFinished()
            return state.books.allSatisfy(\.planningDone)
        }
        if all { progress.planningFinished.store(true, ordering: .releasing) }
    }

    func laneMapped(_ lane: Int, records: UInt64, nanoseconds: UInt64) {
        state.withLock { state in
            state.books[lane].mapRecords += records
            state.books[lane].mapNanoseconds += nanoseconds
        }
    }

    func laneUnplannable(_ lane: Int, from offset: UInt64, error: Errno) {
        state.withLock { state in
            let book = state.books[lane]
            state.findings.addError("\(device.path): cannot map \(book.lane.name) with GETFSMAP: \(error)")
            state.findings.addUnverified(ByteRange(offset, book.lane.range.end), error, .operational)
        }
    }

    func dropped(_ chunk: Chunk) {
        let counts = state.withLock { $0.books[chunk.lane].countsPlanned }
        if counts { progress.planned.subtract(chunk.scopeBytes, ordering: .relaxed) }
    }

    func read(_ chunk: Chunk, _ outcome: ReadOutcome, latencyNanoseconds: UInt64) {
        guard outcome == .complete else {
            read(chunk, pieces: [PieceRead(range: chunk.range, outcome: outcome, latencyNanoseconds: latencyNanoseconds)])
            return
        }
        // The common case, without unpacking the chunk's scope.
        record(chunk, transferred: chunk.length, verified: chunk.scopeBytes, open: [], latencies: [latencyNanoseconds])
    }

    func read(_ chunk: Chunk, pieces: [PieceRead]) {
        var open = chunk.scope
        var verified: UInt64 = 0
        for piece in pieces {
            if let fine = piece.outcome.readFine(of: piece.range) { verified += open.remove(fine).totalBytes }
        }
        let transferred = pieces.reduce(0) { $0 + Int($1.outcome.bytes(of: $1.range)) }
        record(chunk, transferred: transferred, verified: verified, open: open, latencies: pieces.map(\.latencyNanoseconds))
    }

    /// An engine's reads of `chunk` are over: `verified` in-scope bytes read
    /// fine, `open` is left for pinpointing.
    private func record(_ chunk: Chunk, transferred: Int, verified: UInt64, open: [ByteRange], latencies: [UInt64]) {
        let now = monotonicNanoseconds()
        state.withLock { state in
            for latency in latencies { state.latencies.record(latency / 1000) }
            if verified > 0 { state.lastGoodRead = now }
            state.books[chunk.lane].update(chunk, now: now) { entry in
                entry.read += UInt64(transferred)
                entry.verified += verified
                entry.open = open
                entry.done = open.isEmpty
            }
        }
        progress.read.add(UInt64(transferred), ordering: .relaxed)
        progress.verified.add(verified, ordering: .relaxed)
        progress.done.add(verified, ordering: .relaxed)
    }

    func reread(_ chunk: Chunk, bytes: UInt64) {
        let now = monotonicNanoseconds()
        state.withLock { state in
            state.books[chunk.lane].update(chunk, now: now) { $0.read += bytes }
        }
        progress.read.add(bytes, ordering: .relaxed)
    }

    func verified(_ range: ByteRange, in chunk: Chunk) {
        let bytes = account(range, in: chunk, verified: true).totalBytes
        progress.verified.add(bytes, ordering: .relaxed)
    }

    func bad(_ range: ByteRange, _ error: Errno, reportedToKernel: Bool, in chunk: Chunk) {
        let now = monotonicNanoseconds()
        let pieces = account(range, in: chunk, now: now) { findings, piece in
            findings.addBad(piece, error, reportedToKernel: reportedToKernel, now: now)
        }
        progress.bad.add(pieces.totalBytes, ordering: .relaxed)
    }

    /// The device turned out to be removed. While it goes, every read fails
    /// with EIO a moment before its sysfs node disappears, so sectors that
    /// failed after the device's last good read are not known to be bad:
    /// they become unverified (device gone), and a resumed scan reads them
    /// again. Bad sectors found while other reads still succeeded stay.
    func deviceRemoved() {
        let bytes = state.withLock { state in state.findings.setAsideBad(foundAfter: state.lastGoodRead) }
        progress.bad.subtract(bytes, ordering: .relaxed)
    }

    func unverified(_ range: ByteRange, _ error: Errno, _ reason: UnverifiedReason, in chunk: Chunk) {
        account(range, in: chunk) { findings, piece in findings.addUnverified(piece, error, reason) }
    }

    func flaky(_ range: ByteRange, _ error: Errno?) {
        state.withLock { $0.findings.addFlaky(range, error) }
    }

    func pinpointed(_ chunk: Chunk, leftover: UnverifiedReason, error: Errno) {
        let now = monotonicNanoseconds()
        let left = state.withLock { state in
            let pieces: [ByteRange] = state.books[chunk.lane].update(chunk, now: now) { entry in
                defer {
                    entry.open = []
                    entry.done = true
                }
                return entry.open
            } ?? []
            for piece in pieces { state.findings.addUnverified(piece, error, leftover) }
            return pieces.totalBytes
        }
        progress.done.add(left, ordering: .relaxed)
    }

    func problem(_ message: String) {
        state.withLock { $0.findings.addError(message) }
    }

    func deviceFailed(_ error: Errno) {
        let what = device.isPresent ? "stopped responding" : "was removed"
        state.withLock { state in
            guard state.failure == nil else { return }
            state.failure = error
            state.findings.addError("\(device.path): \(device.role) device \(what): \(error)")
        }
    }

    /// Takes `range` out of the open scope of `chunk` and returns the pieces
    /// that were still open, each passed to `record`: nothing is counted
    /// twice, and nothing out of scope at all.
    @discardableResult
    private func account(_ range: ByteRange, in chunk: Chunk, verified: Bool = false, now: UInt64 = monotonicNanoseconds(),
                         _ record: (inout FindingsBook, ByteRange) -> Void = { _, _ in }) -> [ByteRange] {
        let pieces = state.withLock { state in
            if verified { state.lastGoodRead = now }
            let pieces: [ByteRange] = state.books[chunk.lane].update(chunk, now: now) { entry in
                let pieces = entry.open.remove(range)
                if verified { entry.verified += pieces.totalBytes }
                return pieces
            } ?? []
            for piece in pieces { record(&state.findings, piece) }
            return pieces
        }
        progress.done.add(pieces.totalBytes, ordering: .relaxed)
        return pieces
    }

    // MARK: Reading the books

    /// Per lane: the offset before which everything in scope was handled.
    var resumePoints: [UInt64] { state.withLock { $0.books.map(\.resumePoint) } }

    /// Every lane planned and settled, and the device still readable.
    var isComplete: Bool {
        state.withLock { state in state.failure == nil && state.books.allSatisfy(\.isFinished) }
    }

    var hasFailed: Bool { state.withLock { $0.failure != nil } }

    /// What a checkpoint keeps of this device: where each layout lane
    /// resumes, the totals of what is settled before those points, and the
    /// findings there; a retried range not yet read again stays unverified.
    func checkpointMark() -> (mark: Checkpoint.DeviceMark, bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange]) {
        state.withLock { state in
            let books = state.books
            let settled = books.reduce(ByteTotals()) { $0 + $1.settled }
            let marks = books.prefix(layoutLanes).map { book in
                Checkpoint.LaneMark(lane: book.lane.name, start: book.lane.range.start, end: book.lane.range.end,
                                    verifiedUpTo: book.resumePoint)
            }
            let findings = state.findings.sorted { range in !books.contains { $0.unsettled(range) } }
            let unverified = (findings.unverified + Self.retriesLeft(state)).sorted { $0.range.start < $1.range.start }
            return (Checkpoint.DeviceMark(role: device.role, bytesPlanned: settled.planned, bytesVerified: settled.verified,
                                          bytesRead: settled.read, lanes: marks),
                    findings.bad, unverified, findings.flaky)
        }
    }

    /// Retried ranges, as far as they were not read again.
    private static func retriesLeft(_ state: State) -> [UnverifiedRange] {
        state.retries.sorted { $0.key < $1.key }.compactMap { index, original in
            let book = state.books[index]
            guard !book.isFinished else { return nil }
            var left = original
            left.range = ByteRange(max(original.range.start, book.resumePoint), original.range.end)
            return left.range.isEmpty ? nil : left
        }
    }

    /// The device's share of the result; `queues`: how its plan kept ahead.
    func result(seconds: Double, tuning: ReadTuning, queues: LaneQueues.Statistics? = nil)
        -> (device: DeviceResult, bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange], errors: [String],
            lanes: [LaneStatistics]) {
        state.withLock { state in
            let findings = state.findings.sorted()
            let unverified = (findings.unverified + Self.retriesLeft(state)).sorted { $0.range.start < $1.range.start }
            let histogram = state.latencies
            let sector = UInt64(device.logicalSectorSize)
            let spaceMap = spaceMap.totals
            let device = DeviceResult(
                device: device, bytesPlanned: progress.planned.load(ordering: .relaxed),
                bytesVerified: progress.verified.load(ordering: .relaxed), bytesRead: progress.read.load(ordering: .relaxed),
                seconds: seconds, badSectors: findings.bad.reduce(0) { $0 + $1.range.count / sector },
                queueDepth: tuning.queueDepth, ioSize: tuning.ioSize,
                latency: LatencySummary(p50Microseconds: histogram.valueAtPercentile(50), p99Microseconds: histogram.valueAtPercentile(99),
                                        p999Microseconds: histogram.valueAtPercentile(99.9), maxMicroseconds: histogram.max,
                                        reads: histogram.totalCount),
                spaceMapRecords: spaceMap.records, spaceMapSeconds: spaceMap.seconds,
                plan: PlanStatistics(budgetBytes: tuning.planBudget, peakBytes: queues?.peakBytes ?? 0,
                                     readerWaitSeconds: Double(queues?.readerWaitNanoseconds ?? 0) / 1e9,
                                     plannerWaitSeconds: Double(queues?.plannerWaitNanoseconds ?? 0) / 1e9,
                                     spaceMapCPUSeconds: spaceMap.cpuSeconds))
            let lanes = state.books.enumerated().map { index, book in
                let wait = queues.flatMap { index < $0.laneReaderWaitNanoseconds.count ? $0.laneReaderWaitNanoseconds[index] : nil } ?? 0
                return LaneStatistics(device: self.device.role, lane: book.lane.name, bytesRead: book.bytesRead, seconds: book.seconds,
                                      spaceMapRecords: book.mapRecords, spaceMapSeconds: Double(book.mapNanoseconds) / 1e9,
                                      readerWaitSeconds: Double(wait) / 1e9)
            }
            return (device, findings.bad, unverified, findings.flaky, state.findings.errors, lanes)
        }
    }
}
