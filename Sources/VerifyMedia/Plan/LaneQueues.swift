import Glibc

/// The plan of one device, lane by lane: planners fill each lane's queue,
/// readers take chunks from them.
///
/// The plan runs ahead of the reads as far as a memory budget allows, so
/// that reading does not wait for GETFSMAP, whose btree reads queue behind
/// the scan's own: chunks are small (a packed scope, `Chunk`), so on a
/// fragmented filesystem the budget still holds gigabytes of reads. The
/// budget is shared by all lanes of the device; the lane the readers are at
/// (the frontier) may always hold a few chunks more, so the planners of
/// later lanes can never fill it and leave the readers with nothing. Held
/// bytes never exceed `budget + reserve × (largest chunk)`.
final class LaneQueues: @unchecked Sendable {
    /// Which chunk the readers take next.
    enum Order: Sendable, Equatable {
        /// Lane by lane in physical order, waiting for the current lane's
        /// plan: one sweep of the device, as a spinning disk wants.
        case sweep
        /// The lowest lane that has a chunk ready: physical order while the
        /// plan keeps ahead, and a later lane's chunks rather than none while
        /// the current lane waits for its space map (flash).
        case nearestReady
    }

    /// How the plan kept ahead, for `--bench`.
    struct Statistics: Sendable {
        /// Most bytes the queued chunks held at once.
        var peakBytes = 0
        /// Reader time spent waiting for a chunk while planning went on, in
        /// all and per lane the readers were at.
        var readerWaitNanoseconds: UInt64 = 0
        var laneReaderWaitNanoseconds: [UInt64] = []
        /// Planner time spent waiting for room in the budget.
        var plannerWaitNanoseconds: UInt64 = 0
    }

    private struct LaneQueue {
        var items: [Chunk] = []
        var head = 0
        var finished = false
        var inHeap = false
        var count: Int { items.count - head }
    }

    let order: Order
    private let budget: Int
    private let reserve: Int
    private var lanes: [LaneQueue]
    /// Bytes the queued chunks hold (`Chunk.memoryCost`).
    private var bytes = 0
    /// Lanes before this one are finished and empty: the frontier.
    private var current = 0
    /// Lanes that have chunks (and some that had), lowest first (`nearestReady`).
    private var ready = LaneHeap()
    private var statistics: Statistics
    private var shutDown = false
    /// Threads waiting in `pop` and in `push`: wake-ups only when someone waits.
    private var readersWaiting = 0
    private var writersWaiting = 0
    private var mutex = pthread_mutex_t()
    private var readable = pthread_cond_t()
    private var writable = pthread_cond_t()

    /// `budget`: bytes the queued chunks may hold; `reserve`: chunks the
    /// frontier lane may hold beyond it.
    init(lanes: Int, order: Order, budget: Int, reserve: Int) {
        self.order = order
        self.budget = budget
        self.reserve = max(1, reserve)
        self.lanes = Array(repeating: LaneQueue(), count: lanes)
        statistics = Statistics(laneReaderWaitNanoseconds: Array(repeating: 0, count: lanes))
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&readable, nil)
        pthread_cond_init(&writable, nil)
    }

    deinit {
        pthread_mutex_destroy(&mutex)
        pthread_cond_destroy(&readable)
        pthread_cond_destroy(&writable)
    }

    /// Adds a chunk to its lane, waiting for room; false once shut down.
    func push(_ chunk: Chunk) -> Bool {
        let cost = chunk.memoryCost
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if !shutDown && !hasRoomLocked(cost, lane: chunk.lane) {
            let started = monotonicNanoseconds()
            while !shutDown && !hasRoomLocked(cost, lane: chunk.lane) {
                writersWaiting += 1
                pthread_cond_wait(&writable, &mutex)
                writersWaiting -= 1
            }
            statistics.plannerWaitNanoseconds += monotonicNanoseconds() - started
        }
        if shutDown { return false }
        lanes[chunk.lane].items.append(chunk)
        bytes += cost
        statistics.peakBytes = max(statistics.peakBytes, bytes)
        if order == .nearestReady && !lanes[chunk.lane].inHeap {
            lanes[chunk.lane].inHeap = true
            ready.insert(chunk.lane)
        }
        if readersWaiting > 0 { pthread_cond_broadcast(&readable) }
        return true
    }

    /// The lane will get no more chunks.
    func finish(lane: Int) {
        pthread_mutex_lock(&mutex)
        lanes[lane].finished = true
        advanceLocked()
        pthread_cond_broadcast(&readable)
        pthread_mutex_unlock(&mutex)
    }

    /// The next chunk to read, waiting for one; nil when every lane is
    /// finished and empty, or after `closeAndDrain`.
    func pop() -> Chunk? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if let chunk = takeLocked() { return chunk }
        if shutDown || allDoneLocked { return nil }
        let started = monotonicNanoseconds()
        let lane = current
        defer {
            let waited = monotonicNanoseconds() - started
            statistics.readerWaitNanoseconds += waited
            if lane < statistics.laneReaderWaitNanoseconds.count { statistics.laneReaderWaitNanoseconds[lane] += waited }
        }
        while true {
            readersWaiting += 1
            pthread_cond_wait(&readable, &mutex)
            readersWaiting -= 1
            if let chunk = takeLocked() { return chunk }
            if shutDown || allDoneLocked { return nil }
        }
    }

    /// The next chunk if one is ready, without waiting.
    func tryPop() -> Chunk? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return takeLocked()
    }

    /// True when nothing will ever come out again.
    var isFinished: Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return shutDown || allDoneLocked
    }

    /// Stops everything and returns the chunks that were never taken.
    func closeAndDrain() -> [Chunk] {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        shutDown = true
        var dropped: [Chunk] = []
        for index in lanes.indices {
            dropped += lanes[index].items[lanes[index].head...]
            lanes[index] = LaneQueue(finished: true)
        }
        bytes = 0
        pthread_cond_broadcast(&readable)
        pthread_cond_broadcast(&writable)
        return dropped
    }

    var currentStatistics: Statistics {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return statistics
    }

    /// Room for a chunk of `cost` bytes in `lane`: within the budget, or
    /// among the first few chunks of the frontier lane.
    private func hasRoomLocked(_ cost: Int, lane: Int) -> Bool {
        bytes + cost <= budget || (lane == current && lanes[lane].count < reserve)
    }

    private var allDoneLocked: Bool { current == lanes.count }

    private func advanceLocked() {
        let before = current
        while current < lanes.count && lanes[current].finished && lanes[current].count == 0 { current += 1 }
        // A new frontier lane may use the reserve: its planner may be waiting.
        if current != before && writersWaiting > 0 { pthread_cond_broadcast(&writable) }
    }

    private func takeLocked() -> Chunk? {
        if shutDown { return nil }
        advanceLocked()
        switch order {
        case .sweep:
            guard current < lanes.count, lanes[current].count > 0 else { return nil }
            return takeLocked(from: current)
        case .nearestReady:
            while let lane = ready.minimum {
                if lanes[lane].count > 0 { return takeLocked(from: lane) }
                ready.removeMinimum()
                lanes[lane].inHeap = false
            }
            return nil
        }
    }

    private func takeLocked(from lane: Int) -> Chunk {
        let chunk = lanes[lane].items[lanes[lane].head]
        lanes[lane].head += 1
        // Compact now and then instead of shifting on every take.
        if lanes[lane].head == lanes[lane].items.count {
            lanes[lane].items.removeAll(keepingCapacity: lanes[lane].items.count <= 256)
            lanes[lane].head = 0
        } else if lanes[lane].head >= 64 && lanes[lane].head * 2 >= lanes[lane].items.count {
            lanes[lane].items.removeFirst(lanes[lane].head)
            lanes[lane].head = 0
        }
        bytes -= chunk.memoryCost
        advanceLocked()
        if writersWaiting > 0 { pthread_cond_broadcast(&writable) }
        return chunk
    }
}

/// A binary min-heap of lane indices.
private struct LaneHeap {
    private var items: [Int] = []

    var minimum: Int? { items.first }

    mutating func insert(_ lane: Int) {
        items.append(lane)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeMinimum() {
        guard !items.isEmpty else { return }
        items.swapAt(0, items.count - 1)
        items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count && items[left] < items[smallest] { smallest = left }
            if right < items.count && items[right] < items[smallest] { smallest = right }
            if smallest == parent { return }
            items.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
