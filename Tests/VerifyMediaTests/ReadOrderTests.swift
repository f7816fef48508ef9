import Synchronization
import Testing
@testable import VerifyMedia

/// Extents of one lane, handed out only once `gate` says so: a lane whose
/// space map is slow to come.
private struct GatedExtents: ExtentSource {
    let extents: [ByteRange]
    let gate: @Sendable () -> Bool
    var done = false

    mutating func nextBatch(into output: inout [ByteRange]) throws(Errno) -> Bool {
        if done { return false }
        for _ in 0..<5000 where !gate() { sleep(nanoseconds: 1_000_000) }
        done = true
        output += extents
        return true
    }
}

/// A disk that logs the start of every read, in order.
private final class OrderedDisk: BlockingReader, @unchecked Sendable {
    let starts = Mutex<[UInt64]>([])
    func read(_ range: ByteRange, into buffer: AlignedBuffer, report: Bool) -> ReadOutcome {
        starts.withLock { $0.append(range.start) }
        return .complete
    }
}

/// Four lanes of 8 MiB, each 8 reads of 1 MiB; lane 0's space map arrives
/// only once `gate` opens. Scans them from `disk` and returns the reads in
/// the order the disk saw them.
private func scanFourLanes(rotational: Bool, disk: OrderedDisk = OrderedDisk(),
                           gate: @escaping @Sendable () -> Bool) -> (starts: [UInt64], bench: LedgerBench) {
    let lanes = (0..<4).map { ByteRange(UInt64($0) << 23, UInt64($0 + 1) << 23) }
    let bench = LedgerBench(size: 32 << 20, lanes: lanes, rotational: rotational)
    let open: @Sendable () -> Bool = { true }
    let planners = bench.ledger.lanes.map { (lane: Lane) -> LanePlanner in
        let source = GatedExtents(extents: [lane.range], gate: lane.index == 0 ? gate : open)
        return LanePlanner(lane: lane, source: source, ioSize: 1 << 20, mergeGap: 0, alignment: 512, resumeFrom: nil)
    }
    let pipeline = DevicePipeline(device: bench.device, tuning: bench.tuning, ledger: bench.ledger, planners: planners,
                                  groups: [0, 1, 2, 3], pacer: Pacer(limiter: nil, foregroundYield: nil), stop: bench.stop)
    let threads = pipeline.start(DeviceReaders(engine: .blocking(threads: 1, { disk }), pinpointReader: { disk },
                                               reportingReads: false, reporter: nil),
                                 vanished: { StopCause.requested("gone") })
    threads.forEach { $0.join() }
    return (disk.starts.withLock { $0 }, bench)
}

@Suite("Read order: one sweep on spinning disks, the nearest ready lane on flash")
struct ReadOrderTests {
    @Test("a rotational device is read in one ascending sweep, waiting for a lane's space map rather than reading elsewhere")
    func rotationalSweeps() {
        let started = monotonicNanoseconds()
        let (starts, bench) = scanFourLanes(rotational: true) { monotonicNanoseconds() - started > 100_000_000 }
        #expect(starts.count == 32)
        #expect(starts == starts.sorted(), "reads left physical order: \(starts.map { $0 >> 20 })")
        #expect(bench.ledger.isComplete)
    }

    @Test("on flash, later lanes are read while the first waits for its space map, and every chunk is read once")
    func flashReadsWhatIsReady() {
        // Lane 0's map comes only once a read of another lane was made.
        let disk = OrderedDisk()
        let (starts, bench) = scanFourLanes(rotational: false, disk: disk) { disk.starts.withLock { !$0.isEmpty } }
        #expect(starts.count == 32)
        #expect(Set(starts).count == 32)
        #expect(starts.first.map { $0 >= 8 << 20 } == true, "the first read waited for lane 0")
        #expect(bench.ledger.isComplete)
    }
}
