import Testing
@testable import VerifyMedia

private func chunk(_ lane: Int, _ index: UInt64) -> Chunk {
    let range = ByteRange(UInt64(lane) << 30 + index * 4096, UInt64(lane) << 30 + (index + 1) * 4096)
    return Chunk(lane: lane, range: range, scope: [range])
}

@Suite("Lane queues: planned in parallel, read in order")
struct LaneQueuesTests {
    @Test("chunks come out lane by lane in physical order, whatever order the planners fill them in")
    func readsLanesInOrder() {
        let queues = LaneQueues(lanes: 3, capacity: 8)
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

    @Test("a full lane makes its planner wait; closing hands back what was never read")
    func capacityAndDrain() {
        let queues = LaneQueues(lanes: 2, capacity: 2)
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

extension Chunk: Equatable {
    public static func == (a: Chunk, b: Chunk) -> Bool { a.lane == b.lane && a.range == b.range && a.scope == b.scope }
}
