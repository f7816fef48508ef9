import Synchronization
import Testing
@testable import VerifyMedia

/// A disk in memory: some sectors fail with an errno, some fail a few
/// times and then read; every read is logged with its `report` flag.
final class SimulatedDisk: BlockingReader, @unchecked Sendable {
    let sectorSize: UInt64
    private let state = Mutex<(bad: [UInt64: Errno], flaky: [UInt64: (Errno, Int)], reads: [(ByteRange, Bool)])>(([:], [:], []))

    init(sectorSize: UInt64 = 512, bad: [UInt64: Errno] = [:], flaky: [UInt64: (Errno, Int)] = [:]) {
        self.sectorSize = sectorSize
        state.withLock { $0.bad = bad; $0.flaky = flaky }
    }

    var reads: [(range: ByteRange, report: Bool)] { state.withLock { $0.reads } }

    func read(_ range: ByteRange, into buffer: AlignedBuffer, report: Bool) -> ReadOutcome {
        state.withLock { state in
            state.reads.append((range, report))
            var failure: Errno?
            for sector in stride(from: range.start / sectorSize, to: range.end / sectorSize, by: 1) {
                if let error = state.bad[sector] { failure = failure ?? error }
                if let (error, left) = state.flaky[sector], left > 0 {
                    state.flaky[sector] = (error, left - 1)
                    failure = failure ?? error
                }
            }
            return failure.map(ReadOutcome.failed) ?? .complete
        }
    }
}

/// One simulated device's ledger, and the context its readers get: what
/// the pinpointer and the engines report to, without a real device.
final class LedgerBench {
    let device: BlockDevice
    let ledger: DeviceLedger
    let stopSignal = StopSignal()
    let stop: DeviceStop

    /// `sysfsPath`: where the device's sysfs node would be ("/" exists: a
    /// device that is present).
    init(sectorSize: Int = 512, size: UInt64 = 1 << 30, lanes: [ByteRange]? = nil, sysfsPath: String = "/",
         rotational: Bool = false) {
        device = BlockDevice(role: .data, path: "/dev/simulated", major: 7, minor: 99, logicalSectorSize: sectorSize,
                             size: size, rotational: rotational, sysfsPath: sysfsPath)
        let ranges = lanes ?? [ByteRange(0, size)]
        ledger = DeviceLedger(device: device, lanes: ranges.enumerated().map {
            Lane(index: $0, role: .data, name: "lane \($0)", range: $1, mapped: true)
        }, layoutLanes: ranges.count)
        stop = DeviceStop(scan: stopSignal)
    }

    let tuning = ReadTuning(ioSize: 1 << 20, queueDepth: 1, mergeGap: 65536)

    var context: ReadContext {
        ReadContext(device: device, tuning: tuning, chunks: LaneQueues(lanes: 1, order: .sweep, budget: 0, reserve: 1),
                    pacer: Pacer(limiter: nil, foregroundYield: nil), stop: stop, sink: ledger)
    }

    var findings: (bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange], errors: [String]) {
        let result = ledger.result(seconds: 0, tuning: tuning)
        return (result.bad, result.unverified, result.flaky, result.errors)
    }

    var verified: UInt64 { ledger.progress.verified.load(ordering: .relaxed) }
    var done: UInt64 { ledger.progress.done.load(ordering: .relaxed) }
}

/// Plans `chunk`, reports its engine read as failed with `error`, and pinpoints it.
@discardableResult
func pinpoint(_ disk: SimulatedDisk, chunk: Chunk, sectorSize: Int = 512, error: Errno = .EIO,
              on bench: LedgerBench? = nil) -> LedgerBench {
    let bench = bench ?? LedgerBench(sectorSize: sectorSize)
    bench.ledger.planned(chunk, resumePoint: chunk.range.end)
    bench.ledger.read(chunk, .failed(error), latencyNanoseconds: 0)
    let pinpointer = Pinpointer(context: bench.context, reader: disk, reportingReads: true, reporter: nil)
    pinpointer.transportBackoff = [0, 0, 0]
    pinpointer.run(PinpointJob(chunk: chunk, failed: chunk.range, error: error))
    return bench
}

private func wholeChunk(_ start: UInt64, _ length: UInt64) -> Chunk {
    Chunk(lane: 0, range: ByteRange(start, start + length), scope: [ByteRange(start, start + length)])
}

@Suite("Pinpoint: narrowing failed reads to exact sectors")
struct PinpointTests {
    @Test("one bad sector in a 1 MiB read is found exactly, re-reading little more than the read, reported once")
    func singleBadSector() {
        let disk = SimulatedDisk(bad: [5000: .EIO])
        let scan = pinpoint(disk, chunk: wholeChunk(4096 * 512, 1 << 20))
        let findings = scan.findings
        #expect(findings.bad == [BadRange(device: .data, range: ByteRange(5000 * 512, 5001 * 512), error: .EIO, reportedToKernel: true)])
        #expect(findings.flaky.isEmpty && findings.unverified.isEmpty)
        // Every good byte is read once more; beyond that one 32 KiB piece and
        // one 4 KiB piece, in a few dozen reads.
        let reread = disk.reads.reduce(0) { $0 + $1.range.count }
        #expect(reread <= (1 << 20) + (32 << 10) + (4 << 10), "\(reread) bytes re-read")
        #expect(disk.reads.count <= 48)
        let reported = disk.reads.filter(\.report)
        #expect(reported.allSatisfy { $0.range.count == 512 }, "only sector-sized reads ask the kernel to report")
        #expect(reported.filter { $0.range.start == 5000 * 512 }.count == 1)
        #expect(scan.verified == (1 << 20) - 512)
        #expect(scan.done == 1 << 20)
        #expect(scan.ledger.resumePoints == [4096 * 512 + (1 << 20)], "the chunk is done once narrowed")
    }

    @Test("scattered bad sectors are each found, neighbours that read are not reported")
    func scatteredBadSectors() {
        var generator = SeededGenerator(seed: 7)
        let sectors = Set((0..<25).map { _ in UInt64.random(in: 0..<2048, using: &generator) })
        let disk = SimulatedDisk(bad: Dictionary(uniqueKeysWithValues: sectors.map { ($0, Errno.ENODATA) }))
        let findings = pinpoint(disk, chunk: wholeChunk(0, 1 << 20)).findings
        let found = Set(findings.bad.flatMap { Array(stride(from: $0.range.start / 512, to: $0.range.end / 512, by: 1)) })
        #expect(found == sectors)
        #expect(findings.bad.allSatisfy { $0.error == .ENODATA })
    }

    @Test("a dense run of bad sectors becomes one range with one failing read per sector")
    func denseBadSectors() {
        let run = 1000..<1300 as Range<UInt64>
        let disk = SimulatedDisk(bad: Dictionary(uniqueKeysWithValues: run.map { ($0, Errno.EIO) }))
        let findings = pinpoint(disk, chunk: wholeChunk(0, 1 << 20)).findings
        #expect(findings.bad == [BadRange(device: .data, range: ByteRange(1000 * 512, 1300 * 512), error: .EIO, reportedToKernel: true)])
        let reportedBad = disk.reads.filter { $0.report && $0.range.count == 512 && run.contains($0.range.start / 512) }
        #expect(reportedBad.count == run.count, "each bad sector is stepped on exactly once")
    }

    @Test("4096-byte logical sectors are narrowed to 4 KiB")
    func largeSectors() {
        let disk = SimulatedDisk(sectorSize: 4096, bad: [100: .EIO])
        let findings = pinpoint(disk, chunk: wholeChunk(0, 1 << 20), sectorSize: 4096).findings
        #expect(findings.bad.map(\.range) == [ByteRange(100 * 4096, 101 * 4096)])
        #expect(disk.reads.allSatisfy { $0.range.start % 4096 == 0 && $0.range.count % 4096 == 0 })
    }

    @Test("a read that fails once and then succeeds is flaky, not bad")
    func flakyRead() {
        let disk = SimulatedDisk(flaky: [300: (.EIO, 1)])
        let scan = pinpoint(disk, chunk: wholeChunk(0, 1 << 20))
        let findings = scan.findings
        #expect(findings.bad.isEmpty)
        #expect(findings.flaky.count == 1 && findings.flaky[0].range.start <= 300 * 512 && findings.flaky[0].range.end > 300 * 512)
        #expect(scan.verified == 1 << 20)
    }

    @Test("transport errors are retried, then left unverified and never called bad")
    func transportErrors() {
        let lasting = SimulatedDisk(bad: [10: .ETIMEDOUT])
        let findings = pinpoint(lasting, chunk: wholeChunk(0, 64 << 10), error: .ETIMEDOUT).findings
        #expect(findings.bad.isEmpty)
        #expect(findings.unverified.map(\.reason) == [.transport])
        #expect(findings.unverified.first?.error == .ETIMEDOUT)
        #expect(findings.unverified.first?.range == ByteRange(8 * 512, 16 * 512), "only the failing part is left unverified")
        #expect(lasting.reads.prefix(3).allSatisfy { $0.range == ByteRange(0, 64 << 10) }, "three retries of the whole range first")

        let passing = SimulatedDisk(flaky: [10: (.ENOLINK, 2)])
        let recovered = pinpoint(passing, chunk: wholeChunk(0, 64 << 10), error: .ENOLINK).findings
        #expect(recovered.unverified.isEmpty && recovered.bad.isEmpty)
        #expect(recovered.flaky.map(\.error) == [.ENOLINK])
    }

    @Test("other errors leave the range unverified and are reported as operational")
    func operationalErrors() {
        let disk = SimulatedDisk(bad: [0: .EINVAL])
        let scan = pinpoint(disk, chunk: wholeChunk(0, 4096), error: .EINVAL)
        let findings = scan.findings
        #expect(findings.unverified.map(\.reason) == [.operational])
        #expect(findings.errors.count == 1)
    }

    @Test("a transient failure of a read with several extents is flaky; a lasting one in a gap is nothing")
    func flakyAcrossPieces() {
        let pieces = Chunk(lane: 0, range: ByteRange(0, 64 << 10), scope: [ByteRange(0, 8192), ByteRange(32768, 65536)])
        let disk = SimulatedDisk(flaky: [80: (.EIO, 1)])
        // The engine's read of the whole chunk is the one that failed.
        #expect(disk.read(pieces.range, into: AlignedBuffer(count: 1 << 16), report: false) == .failed(.EIO))
        let transient = pinpoint(disk, chunk: pieces).findings
        #expect(transient.flaky.map(\.range) == [ByteRange(0, 64 << 10)])
        #expect(transient.bad.isEmpty)
        let inGap = pinpoint(SimulatedDisk(bad: [20: .EIO]), chunk: pieces).findings
        #expect(inGap.flaky.isEmpty && inGap.bad.isEmpty && inGap.unverified.isEmpty)
    }

    @Test("bad sectors in the gaps between extents are neither read nor reported")
    func gapsAreOutOfScope() {
        let disk = SimulatedDisk(bad: [20: .EIO, 100: .EIO])
        let chunk = Chunk(lane: 0, range: ByteRange(0, 64 << 10), scope: [ByteRange(0, 8192), ByteRange(32768, 65536)])
        let findings = pinpoint(disk, chunk: chunk).findings
        #expect(findings.bad.map(\.range) == [ByteRange(100 * 512, 101 * 512)])
        #expect(!disk.reads.contains { $0.range.overlaps(ByteRange(8192, 32768)) })
    }
}

@Suite("Media error zones: reads near a failed one are made smaller")
struct MediaErrorZonesTests {
    @Test("only chunks within the radius of a failure are cut, at multiples of the piece size, gaps left out")
    func piecesNearFailures() {
        let zones = MediaErrorZones(ioSize: 1 << 20, sectorSize: 512, radius: 8 << 20)
        let mib: UInt64 = 1 << 20
        let near = Chunk(lane: 0, range: ByteRange(20 * mib, 21 * mib), scope: [ByteRange(20 * mib, 21 * mib)])
        #expect(zones.pieces(of: near) == nil, "no failure yet")
        zones.note(ByteRange(25 * mib, 25 * mib + 512))
        zones.note(ByteRange(60 * mib, 61 * mib))
        #expect(zones.pieceSize == 256 << 10)
        #expect(zones.pieces(of: near)?.count == 4)
        let far = Chunk(lane: 0, range: ByteRange(40 * mib, 41 * mib), scope: [ByteRange(40 * mib, 41 * mib)])
        #expect(zones.pieces(of: far) == nil)
        // Two extents far apart in one chunk: a piece each, trimmed to them.
        let base = 55 * mib
        let sparse = Chunk(lane: 0, range: ByteRange(base, base + mib),
                           scope: [ByteRange(base, base + (64 << 10)), ByteRange(base + (900 << 10), base + mib)])
        #expect(zones.pieces(of: sparse) == [ByteRange(base, base + (64 << 10)), ByteRange(base + (900 << 10), base + mib)])
        // A chunk no larger than a piece is read whole.
        let small = Chunk(lane: 0, range: ByteRange(24 * mib, 24 * mib + (128 << 10)),
                          scope: [ByteRange(24 * mib, 24 * mib + (128 << 10))])
        #expect(zones.pieces(of: small) == nil)
    }

    @Test("pieces are an eighth of the I/O size, whole sectors and never below 256 KiB")
    func pieceSizes() {
        #expect(MediaErrorZones(ioSize: 2 << 20, sectorSize: 512).pieceSize == 256 << 10)
        #expect(MediaErrorZones(ioSize: 512 << 10, sectorSize: 512).pieceSize == 256 << 10)
        #expect(MediaErrorZones(ioSize: 4 << 20, sectorSize: 4096).pieceSize == 512 << 10)
        #expect(MediaErrorZones(ioSize: 3 * 4096 * 1000, sectorSize: 4096).pieceSize == 3 * 4096 * 1000 / 8 / 4096 * 4096)
    }

    @Test("a read that failed and reads fine failed for a neighbour only if one touching it, one after the other, failed alike while in flight with it and still fails")
    func failedForANeighbour() {
        let zones = MediaErrorZones(ioSize: 512 << 10, sectorSize: 512)
        let kib: UInt64 = 1 << 10
        let read = { (index: UInt64) in ByteRange(index * 512 * kib, (index + 1) * 512 * kib) }
        zones.note(read(2))
        // Reads 1, 2, 3 went as one request; 3 holds the bad sector. Read 4
        // failed alike next to them, but later; read 6 with another errno.
        zones.noteFailure(read(1), .EIO, inFlight: 100...200)
        zones.noteFailure(read(2), .EIO, inFlight: 110...200)
        zones.noteFailure(read(3), .EIO, inFlight: 120...200)
        zones.noteFailure(read(4), .EIO, inFlight: 300...400)
        zones.noteFailure(read(5), .EIO, inFlight: 350...450)
        zones.noteFailure(read(6), .ENODATA, inFlight: 350...450)
        let asked = Mutex<[ByteRange]>([])
        let stillFails = { (range: ByteRange) -> Bool? in
            asked.withLock { $0.append(range) }
            return range == read(3)
        }
        #expect(zones.failedForANeighbour(read(1), stillFails: stillFails))
        #expect(asked.withLock { $0 } == [read(2), read(3)], "nearest first, through the chain")
        #expect(zones.failedForANeighbour(read(2), stillFails: stillFails))
        #expect(asked.withLock { $0.count } == 2, "what each read showed is kept")
        #expect(!zones.failedForANeighbour(read(5), stillFails: stillFails), "read 4 reads fine, read 6 failed otherwise")
        #expect(asked.withLock { $0.last } == read(4))
        #expect(!zones.failedForANeighbour(read(7), stillFails: stillFails), "never failed")
        #expect(!zones.failedForANeighbour(read(4), stillFails: { _ in nil }), "stopped: flaky, as it failed once")

        // On a device whose requests take at most 1280 KiB, two 512 KiB reads
        // may be one request, two 2 MiB reads never (768 + 1280 KiB).
        let limited = MediaErrorZones(ioSize: 2 << 20, sectorSize: 512, maxRequest: 1280 * kib)
        limited.note(ByteRange(0, 2 << 20))
        limited.noteFailure(ByteRange(0, 2 << 20), .EIO, inFlight: 100...200)
        limited.noteFailure(ByteRange(2 << 20, 4 << 20), .EIO, inFlight: 100...200)
        limited.noteFailure(ByteRange(8 << 20, (8 << 20) + 512 * kib), .EIO, inFlight: 100...200)
        limited.noteFailure(ByteRange((8 << 20) + 512 * kib, 9 << 20), .EIO, inFlight: 100...200)
        #expect(!limited.failedForANeighbour(ByteRange(2 << 20, 4 << 20), stillFails: { _ in true }))
        #expect(limited.failedForANeighbour(ByteRange((8 << 20) + 512 * kib, 9 << 20), stillFails: { _ in true }))
    }
}
