import Glibc
import Synchronization
import Testing
@testable import VerifyMedia

/// A disk whose every read is answered by `respond` (given the range and
/// the number of reads before it), counting the reads that began after the
/// scan was asked to stop.
final class ScriptedDisk: BlockingReader, @unchecked Sendable {
    private let respond: @Sendable (ByteRange, Int) -> ReadOutcome
    private let counts = Mutex((reads: 0, afterStop: 0))
    var stop: StopSignal?

    init(_ respond: @escaping @Sendable (ByteRange, Int) -> ReadOutcome) { self.respond = respond }

    var reads: Int { counts.withLock { $0.reads } }
    var readsAfterStop: Int { counts.withLock { $0.afterStop } }

    func read(_ range: ByteRange, into buffer: AlignedBuffer, report: Bool) -> ReadOutcome {
        let before = counts.withLock { counts in
            if stop?.isRequested == true { counts.afterStop += 1 }
            counts.reads += 1
            return counts.reads - 1
        }
        return respond(range, before)
    }
}

/// One device's pipeline over a simulated disk: a lane of `chunks` reads
/// of 1 MiB, all in scope; the plan may hold 32 of them ahead of the reads.
private func pipeline(_ bench: LedgerBench, chunks: Int) -> DevicePipeline {
    let lane = bench.ledger.lanes[0]
    let planner = LanePlanner(lane: lane, source: ListedExtents(extents: [ByteRange(0, UInt64(chunks) << 20)]),
                              ioSize: 1 << 20, mergeGap: 0, alignment: 512, resumeFrom: nil)
    var tuning = bench.tuning
    tuning.planBudget = 32 * Chunk.fixedCost
    return DevicePipeline(device: bench.device, tuning: tuning, ledger: bench.ledger, planners: [planner],
                          pacer: Pacer(limiter: nil, foregroundYield: nil), stop: bench.stop)
}

/// An `AsyncReadQueue` over a `ScriptedDisk`: every read submitted
/// completes in the same call, in the order it was prepared. With
/// `merging`, adjacent reads submitted together are one request, as the
/// block layer makes them: read as one, and failed as one (EIO).
final class ScriptedQueue: AsyncReadQueue, @unchecked Sendable {
    let depth: Int
    private let disk: ScriptedDisk
    private let merging: Bool
    private var prepared: [(slot: Int, range: ByteRange)] = []
    private let buffer = AlignedBuffer(count: 1 << 20)
    /// The merged requests that failed (read once the scan is over).
    private(set) var failedRequests: [ByteRange] = []

    init(_ disk: ScriptedDisk, depth: Int, merging: Bool = false) {
        self.disk = disk
        self.depth = depth
        self.merging = merging
    }

    func prepare(slot: Int, offset: UInt64, length: Int) {
        prepared.append((slot, ByteRange(offset, offset + UInt64(length))))
    }

    func submitAndWait(minimum: Int, timeoutNanoseconds: UInt64?, _ completion: (Int, Int) -> Void) throws(Errno) {
        let batch = prepared
        prepared = []
        if merging {
            var requests: [[(slot: Int, range: ByteRange)]] = []
            for read in batch.sorted(by: { $0.range.start < $1.range.start }) {
                if let last = requests.last?.last, last.range.end == read.range.start {
                    requests[requests.count - 1].append(read)
                } else {
                    requests.append([read])
                }
            }
            for request in requests {
                let hull = ByteRange(request[0].range.start, request[request.count - 1].range.end)
                let fine = disk.read(hull, into: buffer, report: false) == .complete
                if !fine { failedRequests.append(hull) }
                for (slot, range) in request { completion(slot, fine ? Int(range.count) : -Int(EIO)) }
            }
            return
        }
        for (slot, range) in batch {
            switch disk.read(range, into: buffer, report: false) {
            case .complete: completion(slot, Int(range.count))
            case .partial(let count, _): completion(slot, count)
            case .failed(let error): completion(slot, -Int(error.rawValue))
            }
        }
    }
}

private func readers(_ disk: ScriptedDisk) -> DeviceReaders {
    DeviceReaders(engine: .blocking(threads: 1, { disk }), pinpointReader: { disk }, reportingReads: false, reporter: nil)
}

/// Waits for the threads as `Scanner.run` does (passing a stop on to the
/// pipeline); false if they are still running after a minute.
private func finish(_ threads: [DedicatedThread], _ pipeline: DevicePipeline, _ stop: StopSignal) -> Bool {
    var stopped = false
    for _ in 0..<6000 {
        if threads.allSatisfy(\.isFinished) {
            threads.forEach { $0.join() }
            return true
        }
        if stop.isRequested && !stopped {
            stopped = true
            pipeline.stopReading()
        }
        usleep(10_000)
    }
    return false
}

@Suite("Pipeline: planners, engine and pinpointer of one device")
struct PipelineTests {
    @Test("a device that fails stops its planners too, even those waiting for room in the queues (issue 11.3)")
    func failingDeviceWakesPlanners() {
        // 100 chunks, 32 fit in the plan's budget: the planner waits once the reads stop.
        let bench = LedgerBench(size: 128 << 20)
        let stop = bench.stop
        // Every read fails; reads after the first wait until the failure has
        // been noticed (by the pinpointer), so the planner is surely waiting then.
        let disk = ScriptedDisk { _, count in
            for _ in 0..<10_000 where count > 0 && !stop.deviceFailed { usleep(1000) }
            return .failed(.ENXIO)
        }
        let scan = pipeline(bench, chunks: 100)
        let threads = scan.start(readers(disk), vanished: { .requested("gone") })
        #expect(finish(threads, scan, bench.stopSignal), "the scan of a failed device never ends")
        #expect(bench.ledger.hasFailed)
        #expect(!bench.ledger.isComplete)
    }

    @Test("a reader that cannot start stops the planners as well (issue 11.3)")
    func readerThatCannotStart() {
        let bench = LedgerBench(size: 128 << 20)
        let disk = ScriptedDisk { _, _ in .complete }
        let scan = pipeline(bench, chunks: 100)
        let broken = DeviceReaders(engine: .blocking(threads: 1, { () throws(Errno) -> any BlockingReader in throw .EIO }),
                                   pinpointReader: { disk }, reportingReads: false, reporter: nil)
        let threads = scan.start(broken, vanished: { .requested("gone") })
        #expect(finish(threads, scan, bench.stopSignal), "the scan never ends")
        #expect(bench.findings.errors.contains { $0.contains("cannot start reader") })
    }

    @Test("after a media error, reads near it are made in pieces, so a later bad sector there costs a piece, not a chunk",
          arguments: [false, true])
    func piecesNearErrors(queued: Bool) {
        let bench = LedgerBench(size: 64 << 20)
        let bad: [UInt64] = [(3 << 20) + 7 * 512, (40 << 20) + 1001 * 512]
        let failedReads = Mutex<[ByteRange]>([])
        let disk = ScriptedDisk { range, _ in
            guard let sector = bad.first(where: { range.start <= $0 && $0 < range.end }) else { return .complete }
            failedReads.withLock { $0.append(range) }
            // A short read up to the bad sector, as pread and io_uring return.
            return sector > range.start ? .partial(verified: Int(sector - range.start), error: nil) : .failed(.EIO)
        }
        let scan = pipeline(bench, chunks: 64)
        let engine: DeviceReaders.Engine = queued
            ? .queued({ ScriptedQueue(disk, depth: 4) }) : .blocking(threads: 1, { disk })
        let threads = scan.start(DeviceReaders(engine: engine, pinpointReader: { disk }, reportingReads: false, reporter: nil),
                                 vanished: { .requested("gone") })
        #expect(finish(threads, scan, bench.stopSignal))
        let findings = bench.findings
        #expect(findings.bad.map(\.range) == bad.map { ByteRange($0, $0 + 512) })
        #expect(findings.unverified.isEmpty && findings.errors.isEmpty)
        #expect(bench.ledger.isComplete)
        let result = bench.ledger.result(seconds: 1, tuning: bench.tuning).device
        #expect(result.bytesVerified == (64 << 20) - 1024)
        // The first bad sector failed a whole 1 MiB chunk; the second, 37 MiB
        // further on, a piece of 256 KiB.
        let firstFailures = bad.map { sector in failedReads.withLock { $0.first { $0.start <= sector && sector < $0.end } } }
        #expect(firstFailures[0]?.count == 1 << 20)
        #expect(firstFailures[1]?.count == 256 << 10, "\(String(describing: firstFailures[1]))")
        #expect(scan.errorZones.pieceSize == 256 << 10)
    }

    @Test("a stop ends pinpointing at once: no new read after it, and what was not narrowed is read again on resume (issue 11.4)",
          arguments: [false, true])
    func stopEndsPinpointing(queued: Bool) throws {
        let bench = LedgerBench(size: 64 << 20)
        let stop = bench.stopSignal
        // Every 1 MiB read fails at its first sector, so every chunk is pinpointed;
        // after 40 reads the scan is stopped (SIGTERM, umount ...).
        let disk = ScriptedDisk { range, count in
            if count == 40 { stop.request(.signal(SIGTERM)) }
            return range.start % (1 << 20) == 0 ? .failed(.EIO) : .complete
        }
        disk.stop = stop
        // After the first failure the chunks are read in pieces (`MediaErrorZones`),
        // so the stop also comes in the middle of a chunk read in pieces.
        let scan = pipeline(bench, chunks: 64)
        let depth = 4
        let engine: DeviceReaders.Engine = queued
            ? .queued({ ScriptedQueue(disk, depth: depth) }) : .blocking(threads: 1, { disk })
        let threads = scan.start(DeviceReaders(engine: engine, pinpointReader: { disk }, reportingReads: false, reporter: nil),
                                 vanished: { .requested("gone") })
        #expect(finish(threads, scan, stop))
        // The stop comes from inside a read; each other thread reading (the
        // engine's, the other pinpointers) may already have been let go for
        // its next one, and a queue's reads already submitted complete. After
        // that, none.
        let allowed = DevicePipeline.pinpointThreads + (queued ? depth : 0)
        #expect(disk.readsAfterStop <= allowed, "\(disk.readsAfterStop) reads after the stop")
        let findings = bench.findings
        let interrupted = findings.unverified.filter { $0.reason == .interrupted }
        #expect(!interrupted.isEmpty, "the chunks waiting for pinpointing are left unverified")
        #expect(findings.bad.allSatisfy { $0.range.start % (1 << 20) == 0 && $0.range.count == 512 })

        // The checkpoint keeps them, and a resumed scan reads them again.
        let mark = bench.ledger.checkpointMark()
        let checkpoint = Checkpoint(fsUuid: "u", scope: .allocated, saved: 0, seconds: 1, devices: [mark.mark],
                                    badRanges: mark.bad, unverifiedRanges: mark.unverified, flakyRanges: mark.flaky)
        let resumption = checkpoint.resumption(of: bench.device, lanes: bench.ledger.lanes)
        let retried = resumption.retries.map(\.range)
        for range in interrupted.map(\.range) where range.end <= resumption.resumeFrom[0] ?? 0 {
            #expect(retried.contains(range), "\(range) is neither read again nor before the resume point")
        }
        let resumeFrom = try #require(resumption.resumeFrom[0])
        #expect(interrupted.allSatisfy { $0.range.end <= resumeFrom || $0.range.start >= resumeFrom })
    }

    @Test("adjacent reads that failed as one request with a bad sector, and then read fine, are not flaky; reads that failed together and all read fine are, as is one that failed once alone")
    func mergedFailuresAreNotFlaky() throws {
        let bench = LedgerBench(size: 160 << 20)
        let bad: UInt64 = (101 << 20) - 512
        // Far enough apart (64 MiB) for reads near each to be whole again.
        let transient: UInt64 = 20 << 20, onceAlone: UInt64 = 130 << 20
        let failedOnce = Mutex<[ByteRange]>([])
        let disk = ScriptedDisk { range, _ in
            if range.start <= bad && bad < range.end { return .failed(.EIO) }
            for once in [transient, onceAlone] where range.start <= once && once < range.end {
                let first = failedOnce.withLock { failed in
                    guard !failed.contains(where: { $0.start <= once && once < $0.end }) else { return false }
                    failed.append(range)
                    return true
                }
                if first { return .failed(.EIO) }
            }
            return .complete
        }
        let queue = ScriptedQueue(disk, depth: 4, merging: true)
        let scan = pipeline(bench, chunks: 160)
        let threads = scan.start(DeviceReaders(engine: .queued({ queue }), pinpointReader: { disk }, reportingReads: false,
                                               reporter: nil),
                                 vanished: { .requested("gone") })
        #expect(finish(threads, scan, bench.stopSignal))
        let findings = bench.findings
        #expect(findings.bad.map(\.range) == [ByteRange(bad, bad + 512)])
        let withBad = try #require(queue.failedRequests.first { $0.start <= bad && bad < $0.end })
        let together = try #require(queue.failedRequests.first { $0.start <= transient && transient < $0.end })
        try #require(withBad.count > 1 << 20 && together.count > 1 << 20, "no reads merged: \(queue.failedRequests)")
        let alone = try #require(failedOnce.withLock { $0.first { $0.start <= onceAlone && onceAlone < $0.end } })
        #expect(alone.count < 1 << 20, "near the bad sector, read in pieces")
        let expected = stride(from: together.start, to: together.end, by: 1 << 20).map { ByteRange($0, $0 + (1 << 20)) } + [alone]
        #expect(findings.flaky.map(\.range).sorted { $0.start < $1.start } == expected)
        #expect(bench.ledger.isComplete)
    }
}
