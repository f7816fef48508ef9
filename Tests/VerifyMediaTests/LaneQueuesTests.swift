import Synchronization
import Testing
@testable import VerifyMedia

private func chunk(_ lane: Int, _ index: UInt64) -> Chunk {
    let range = ByteRange(UInt64(lane) << 30 + index * 4096, UInt64(lane) << 30 + (index + 1) * 4096)
    return Chunk(lane: lane, range: range, scope: [range])
}

/// A chunk of 2 MiB whose every other 4 KiB block is in scope: the shape of
/// a file with every other block punched, the most a chunk's scope costs.
private func fragmentedChunk(_ lane: Int, _ index: UInt64) -> Chunk {
    let start = UInt64(lane) << 30 + index << 21
    return Chunk(lane: lane, range: ByteRange(start, start + (2 << 20)),
                 scope: stride(from: start, to: start + (2 << 20), by: 8192).map { ByteRange($0, $0 + 4096) })
}

/// Plenty of room: the budget plays no part.
private let roomy = 1 << 30

@Suite("Lane queues: planned ahead within a budget, read in sweep or nearest order")
struct LaneQueuesTests {
    @Test("sweep: chunks come out lane by lane in physical order, whatever order the planners fill them in")
    func sweepReadsLanesInOrder() {
        let queues = LaneQueues(lanes: 3, order: .sweep, budget: roomy, reserve: 8)
        for index in 0..<4 { #expect(queues.push(chunk(2, UInt64(index)))) }
        for index in 0..<4 { #expect(queues.push(chunk(1, UInt64(index)))) }
        #expect(queues.tryPop() == nil, "lane 0 comes first, and it has nothing yet")
        #expect(queues.push(chunk(0, 0)))
        queues.finish(lane: 0)
        queues.finish(lane: 2)
        #expect(queues.pop()?.range == chunk(0, 0).range)
        var order: [Int] = []
        while let next = queues.tryPop() { order.append(next.lane) }
        #expect(order == [1, 1, 1, 1])
        #expect(!queues.isFinished, "lane 1 may still grow")
        queues.finish(lane: 1)
        while let next = queues.tryPop() { order.append(next.lane) }
        #expect(order == [1, 1, 1, 1, 2, 2, 2, 2])
        #expect(queues.isFinished && queues.pop() == nil)
    }

    @Test("nearest: the lowest lane with a chunk ready comes first; a lane still being planned does not hold the readers up")
    func nearestTakesWhatIsReady() {
        let queues = LaneQueues(lanes: 3, order: .nearestReady, budget: roomy, reserve: 8)
        #expect(queues.push(chunk(2, 0)) && queues.push(chunk(2, 1)))
        #expect(queues.tryPop()?.lane == 2, "lane 0 has nothing yet: lane 2's chunk is read meanwhile")
        #expect(queues.push(chunk(1, 0)) && queues.push(chunk(0, 0)))
        #expect(queues.tryPop()?.lane == 0)
        #expect(queues.tryPop()?.lane == 1)
        #expect(queues.tryPop()?.range == chunk(2, 1).range)
        #expect(queues.tryPop() == nil && !queues.isFinished)
        for lane in 0..<3 { queues.finish(lane: lane) }
        #expect(queues.isFinished && queues.pop() == nil)
    }

    @Test("a full budget makes the planners of later lanes wait; the frontier lane's planner goes on within its reserve")
    func budgetAndReserve() {
        let cost = chunk(0, 0).memoryCost
        let queues = LaneQueues(lanes: 2, order: .sweep, budget: 4 * cost, reserve: 2)
        for index in 0..<4 { #expect(queues.push(chunk(1, UInt64(index)))) }
        let later = DedicatedThread.start(name: "later") { _ = queues.push(chunk(1, 4)) }
        // Lane 0 is the frontier: two chunks beyond the budget, then it waits too.
        #expect(queues.push(chunk(0, 0)) && queues.push(chunk(0, 1)))
        let frontier = DedicatedThread.start(name: "frontier") { _ = queues.push(chunk(0, 2)) }
        sleep(nanoseconds: 50_000_000)
        #expect(!later.isFinished && !frontier.isFinished, "both wait for room")
        #expect(queues.pop()?.range == chunk(0, 0).range)
        frontier.join()
        #expect(!later.isFinished, "the room went to the frontier lane")
        queues.finish(lane: 0)
        var taken = 0
        while taken < 3, queues.pop() != nil { taken += 1 }
        later.join()
        #expect(queues.currentStatistics.peakBytes <= 4 * cost + 2 * cost)
        #expect(queues.currentStatistics.plannerWaitNanoseconds > 0)
    }

    @Test("what the plan holds ahead never exceeds its budget plus the frontier's reserve, with planners racing ahead of a slow reader")
    func peakMemoryIsBounded() {
        let budget = 256 << 10
        let reserve = 4
        let lanes = 6
        let queues = LaneQueues(lanes: lanes, order: .nearestReady, budget: budget, reserve: reserve)
        let largest = fragmentedChunk(0, 0).memoryCost
        let planners = (0..<lanes).map { lane in
            DedicatedThread.start(name: "planner-\(lane)") {
                for index in 0..<200 where queues.push(fragmentedChunk(lane, UInt64(index))) {}
                queues.finish(lane: lane)
            }
        }
        // The reader starts once the planners have filled the budget.
        for _ in 0..<10_000 where queues.currentStatistics.peakBytes + largest <= budget { sleep(nanoseconds: 1_000_000) }
        #expect(queues.currentStatistics.peakBytes + largest > budget, "the planners ran ahead to the budget")
        var read = 0
        while queues.pop() != nil {
            read += 1
            if read % 50 == 0 { sleep(nanoseconds: 1_000_000) }
        }
        planners.forEach { $0.join() }
        #expect(read == lanes * 200)
        let statistics = queues.currentStatistics
        #expect(statistics.peakBytes <= budget + reserve * largest, "peak \(statistics.peakBytes)")
    }

    @Test("a chunk of 4 KiB extents with 4 KiB gaps keeps its scope in about two bytes per extent")
    func packedScopeIsSmall() {
        let fragmented = fragmentedChunk(0, 0)
        #expect(fragmented.scope.count == 256)
        #expect(fragmented.scopeBytes == 1 << 20)
        #expect(!fragmented.isWhollyInScope)
        #expect(fragmented.memoryCost <= Chunk.fixedCost + 32 + 2 * 256 + 16)
        #expect(chunk(0, 0).memoryCost == Chunk.fixedCost, "a chunk wholly in scope keeps no scope at all")
    }

    @Test("a full lane makes its planner wait; closing hands back what was never read")
    func capacityAndDrain() {
        let queues = LaneQueues(lanes: 2, order: .sweep, budget: 2 * chunk(1, 0).memoryCost, reserve: 1)
        #expect(queues.push(chunk(1, 0)) && queues.push(chunk(1, 1)))
        let blocked = DedicatedThread.start(name: "blocked") { _ = queues.push(chunk(1, 2)) }
        sleep(nanoseconds: 50_000_000)
        #expect(!blocked.isFinished, "the third chunk waits for room")
        let dropped = queues.closeAndDrain()
        blocked.join()
        #expect(Set(dropped.map(\.range.start)) == [chunk(1, 0).range.start, chunk(1, 1).range.start])
        #expect(queues.isFinished && queues.pop() == nil && !queues.push(chunk(0, 0)))
    }
}

@Suite("Planning threads: one space-map stream per group, nearest lanes first")
struct LanePickerTests {
    @Test("lanes of one group are never mapped at once; each thread takes the lowest lane whose group is free")
    func groupsAreExclusive() {
        // Lanes 0-3 in group 0, 4-7 in group 1, 8-11 in group 2.
        let picker = LanePicker(groups: (0..<12).map { $0 / 4 })
        #expect(picker.next() == 0)
        #expect(picker.next() == 4, "lanes 1-3 share lane 0's group")
        #expect(picker.next() == 8)
        picker.done(4)
        #expect(picker.next() == 5)
        picker.done(0)
        #expect(picker.next() == 1)
    }

    @Test("with several planning threads, no two lanes of one group are planned at the same time, and every lane is planned")
    func feederRespectsGroups() throws {
        let lanes = 12
        final class Tracker: Sendable {
            let state = Mutex((groups: Set<Int>(), overlap: false, planned: [Int]()))
        }
        struct Watched: ExtentSource {
            let lane: Int
            let group: Int
            let tracker: Tracker
            var done = false
            mutating func nextBatch(into extents: inout [ByteRange]) throws(Errno) -> Bool {
                if done { return false }
                done = true
                tracker.state.withLock { state in
                    if state.groups.contains(group) { state.overlap = true }
                    state.groups.insert(group)
                    state.planned.append(lane)
                }
                sleep(nanoseconds: 2_000_000)
                tracker.state.withLock { _ = $0.groups.remove(group) }
                extents.append(ByteRange(UInt64(lane) << 20, UInt64(lane + 1) << 20))
                return true
            }
        }
        let tracker = Tracker()
        let bench = LedgerBench(size: UInt64(lanes) << 20, lanes: (0..<lanes).map { ByteRange(UInt64($0) << 20, UInt64($0 + 1) << 20) })
        let planners = bench.ledger.lanes.map { lane in
            LanePlanner(lane: lane, source: Watched(lane: lane.index, group: lane.index % 3, tracker: tracker), ioSize: 1 << 20,
                        mergeGap: 0, alignment: 512, resumeFrom: nil)
        }
        let queues = LaneQueues(lanes: lanes, order: .nearestReady, budget: roomy, reserve: 8)
        let feeder = ChunkFeeder(planners: UncheckedSendable(planners), groups: (0..<lanes).map { $0 % 3 }, threads: 4,
                                 queues: queues, sink: bench.ledger, stop: bench.stop, vanished: { .requested("gone") })
        feeder.run()
        var chunks = 0
        while queues.tryPop() != nil { chunks += 1 }
        #expect(chunks == lanes)
        #expect(queues.isFinished)
        let state = tracker.state.withLock { $0 }
        #expect(!state.overlap, "two lanes of one group were mapped at once")
        #expect(Set(state.planned) == Set(0..<lanes))
        #expect(bench.ledger.result(seconds: 1, tuning: bench.tuning).lanes.allSatisfy { $0.spaceMapSeconds > 0 })
    }
}

extension Chunk: Equatable {
    public static func == (a: Chunk, b: Chunk) -> Bool { a.lane == b.lane && a.range == b.range && a.scope == b.scope }
}
