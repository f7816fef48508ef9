import Testing
@testable import VerifyMedia

private let MiB: UInt64 = 1 << 20

/// A yield that makes way below 100 MiB planned ahead until 400 MiB are,
/// with 512 KiB chunks and `reads` of them in flight.
private func makeYield(reads: Int) -> (ProgressCounters, SpaceMapTimer, SpaceMapYield) {
    let progress = ProgressCounters()
    let timer = SpaceMapTimer()
    let yield = SpaceMapYield(progress: progress, timer: timer, lowWater: 100 * MiB, highWater: 400 * MiB,
                              smallChunk: 512 << 10, reads: reads)
    return (progress, timer, yield)
}

extension SpaceMapTimer {
    /// One GETFSMAP call that returned `records` covering `bytes`.
    fileprivate func mapped(records: Int, bytes: UInt64, filled: Bool) {
        callStarted()
        callEnded(records: records, bytes: bytes, filled: filled, cpuNanoseconds: 0)
    }
}

@Suite("Reading makes way for the space map while the plan is short")
struct SpaceMapYieldTests {
    @Test("on a dense map, small, few reads from below the low water mark until the high one, while GETFSMAP runs; full reads once the plan is ahead or done")
    func followsThePlan() {
        let (progress, timer, yield) = makeYield(reads: 1)
        let pacer = Pacer(limiter: nil, foregroundYield: nil, spaceMapYield: yield)
        let now = monotonicNanoseconds()
        #expect(yield.limit(now: now) == nil, "no GETFSMAP call under way, none lately")

        timer.callStarted()
        #expect(yield.limit(now: now + 500) == nil, "how dense the map is is not known yet")
        timer.callEnded(records: 8192, bytes: 32 * MiB, filled: true, cpuNanoseconds: 0)
        timer.callStarted()
        #expect(yield.limit(now: now + 1_000) == 1, "mapping 256 records per MiB, nothing planned yet")
        #expect(yield.chunkSize(ioSize: 2 * MiB, now: now + 2_000) == 512 << 10)
        #expect(pacer.delay(bytes: 1 << 19) == 0, "one read may go")
        #expect(pacer.delay(bytes: 1 << 19) > 0, "a second waits")
        pacer.finished()
        #expect(pacer.delay(bytes: 1 << 19) == 0, "it ended: the next may go")
        pacer.finished()

        progress.planned.store(300 * MiB, ordering: .relaxed)
        #expect(yield.limit(now: now + 3_000) == 1, "past the low water mark, short of the high one: still making way")
        progress.planned.store(500 * MiB, ordering: .relaxed)
        #expect(yield.limit(now: now + 11_000) == nil, "past the high water mark")
        #expect(yield.chunkSize(ioSize: 2 * MiB, now: now + 12_000) == 2 * MiB)
        #expect(yield.seconds == Double(11_000 - 1_000) / 1e9, "the time it made way is counted")

        progress.done.store(300 * MiB, ordering: .relaxed)
        #expect(yield.limit(now: now + 13_000) == nil, "200 MiB ahead: above the low water mark")
        progress.done.store(450 * MiB, ordering: .relaxed)
        #expect(yield.limit(now: now + 14_000) == 1, "50 MiB ahead: below it")
        progress.planningFinished.store(true, ordering: .releasing)
        #expect(yield.limit(now: now + 15_000) == nil, "nothing more to plan")
        progress.planningFinished.store(false, ordering: .releasing)
        timer.callEnded(records: 0, bytes: 0, filled: false, cpuNanoseconds: 0)
        #expect(yield.limit(now: monotonicNanoseconds() + SpaceMapYield.idleNanoseconds) == nil,
                "no call for a while: the planners wait for room, nothing to make way for")
    }

    @Test("while the scan makes way, the planner cuts chunks of the small size, aligned to it")
    func plannerCutsSmallChunks() throws {
        let (progress, timer, yield) = makeYield(reads: 1)
        let planner = LanePlanner(lane: Lane(index: 0, role: .data, name: "ag 0", range: ByteRange(0, 1 << 30), mapped: true),
                                  source: ListedExtents(extents: [ByteRange(0, 8 * MiB)]), ioSize: 2 * MiB, mergeGap: 0,
                                  alignment: 512, resumeFrom: nil, yield: yield)
        timer.mapped(records: 8192, bytes: 16 * MiB, filled: true)
        timer.callStarted()
        let first = try #require(try planner.next())
        #expect(first.range == ByteRange(0, 512 << 10))
        progress.planned.store(500 * MiB, ordering: .relaxed)
        var rest: [ByteRange] = []
        while let chunk = try planner.next() { rest.append(chunk.range) }
        #expect(rest.first == ByteRange(512 << 10, 2 * MiB), "back to full chunks, ending on the I/O size grid")
        #expect(rest.dropFirst().allSatisfy { $0.count == 2 * MiB && $0.start % (2 * MiB) == 0 })
        #expect(rest.last?.end == 8 * MiB)
        timer.callEnded(records: 0, bytes: 0, filled: false, cpuNanoseconds: 0)
    }

    @Test("on a sparse map (large files, small files) reading never makes way, however little is planned")
    func sparseMapNeverYields() {
        let (_, timer, yield) = makeYield(reads: 1)
        timer.mapped(records: 4000, bytes: 1 << 30, filled: true)
        timer.callStarted()
        #expect(timer.recordsPerMiB < 4)
        #expect(yield.limit() == nil)
        #expect(yield.chunkSize(ioSize: 2 * MiB) == 2 * MiB)
        timer.callEnded(records: 0, bytes: 0, filled: false, cpuNanoseconds: 0)
    }

    @Test("how dense the map is comes from the calls that filled their batch: empty groups and large files mapped beside a dense group do not hide it")
    func densityIgnoresRangesMappedToTheirEnd() {
        let (_, timer, yield) = makeYield(reads: 4)
        for _ in 0..<6 { timer.mapped(records: 10, bytes: 4 << 30, filled: false) }
        timer.mapped(records: 8192, bytes: 32 * MiB, filled: true)
        timer.callStarted()
        #expect(timer.recordsPerMiB == 256)
        #expect(yield.limit() == 4, "24 GiB of empty groups mapped beside 32 MiB of a million extents")
        timer.callEnded(records: 0, bytes: 0, filled: false, cpuNanoseconds: 0)
    }
}
