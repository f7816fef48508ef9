import Synchronization

/// Per-lane bookkeeping of one device: which planned chunks are still
/// being read, how far each lane is verified (the checkpoint), and the
/// bytes and time each lane took (the benchmark).
final class LaneTracker: Sendable {
    struct LaneState: Sendable {
        /// Chunks handed out and not finished, in physical order.
        var outstanding: [(range: ByteRange, done: Bool)] = []
        /// Everything before this was planned (or is out of scope).
        var frontier: UInt64
        var planningDone = false
        var bytesRead: UInt64 = 0
        var firstEmitted: UInt64 = 0
        var lastCompleted: UInt64 = 0
    }

    let lanes: [Lane]
    private let state: Mutex<[LaneState]>

    init(lanes: [Lane], resumeFrom: [Int: UInt64]) {
        self.lanes = lanes
        state = Mutex(lanes.map { LaneState(frontier: max($0.range.start, resumeFrom[$0.index] ?? $0.range.start)) })
    }

    func emitted(_ chunk: Chunk, frontier: UInt64) {
        let now = monotonicNanoseconds()
        state.withLock { lanes in
            if lanes[chunk.lane].firstEmitted == 0 { lanes[chunk.lane].firstEmitted = now }
            lanes[chunk.lane].outstanding.append((chunk.range, false))
            lanes[chunk.lane].frontier = frontier
        }
    }

    func planningFinished(lane: Int) {
        state.withLock { lanes in
            lanes[lane].frontier = self.lanes[lane].range.end
            lanes[lane].planningDone = true
        }
    }

    /// The chunk was read, or pinpointed to the last sector.
    func completed(_ chunk: Chunk, bytesRead: UInt64) {
        let now = monotonicNanoseconds()
        state.withLock { lanes in
            var lane = lanes[chunk.lane]
            if let index = lane.outstanding.firstIndex(where: { $0.range == chunk.range }) {
                lane.outstanding[index].done = true
            }
            while let first = lane.outstanding.first, first.done { lane.outstanding.removeFirst() }
            lane.bytesRead += bytesRead
            lane.lastCompleted = now
            lanes[chunk.lane] = lane
        }
    }

    /// Per lane: everything in scope before this offset has been handled.
    func watermarks() -> [UInt64] {
        state.withLock { lanes in lanes.map { $0.outstanding.first?.range.start ?? $0.frontier } }
    }

    /// Per lane: bytes read and seconds from first plan to last completion.
    func statistics() -> [(lane: Lane, bytesRead: UInt64, seconds: Double)] {
        state.withLock { states in
            zip(lanes, states).map { lane, state in
                let span = state.lastCompleted > state.firstEmitted ? state.lastCompleted - state.firstEmitted : 0
                return (lane, state.bytesRead, Double(span) / 1e9)
            }
        }
    }
}
