import Glibc

/// The plan of one device, lane by lane: each lane's planner fills its own
/// bounded queue, and the readers take chunks from them. Several lanes are
/// planned at once, so while one waits in GETFSMAP for its btree blocks
/// (behind the scan's own reads) the others keep the readers fed.
///
/// Readers take the lanes in physical order: the device sees one ascending
/// stream of large reads, which suits a spinning disk and costs flash
/// nothing, while the planners of the next lanes work ahead.
final class LaneQueues: @unchecked Sendable {
    private struct LaneQueue {
        var items: [Chunk] = []
        var head = 0
        var finished = false
        var count: Int { items.count - head }
    }

    private let capacity: Int
    private var lanes: [LaneQueue]
    /// Lanes before this one are finished and empty.
    private var current = 0
    private var shutDown = false
    /// Threads waiting in `pop` and in `push`: wake-ups only when someone waits.
    private var readersWaiting = 0
    private var writersWaiting = 0
    private var mutex = pthread_mutex_t()
    private var readable = pthread_cond_t()
    private var writable = pthread_cond_t()

    /// Holds at most `capacity` chunks per lane.
    init(lanes: Int, capacity: Int) {
        self.capacity = max(1, capacity)
        self.lanes = Array(repeating: LaneQueue(), count: lanes)
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
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while lanes[chunk.lane].count >= capacity && !shutDown {
            writersWaiting += 1
            pthread_cond_wait(&writable, &mutex)
            writersWaiting -= 1
        }
        if shutDown { return false }
        lanes[chunk.lane].items.append(chunk)
        if readersWaiting > 0 { pthread_cond_broadcast(&readable) }
        return true
    }

    /// The lane will get no more chunks.
    func finish(lane: Int) {
        pthread_mutex_lock(&mutex)
        lanes[lane].finished = true
        pthread_cond_broadcast(&readable)
        pthread_mutex_unlock(&mutex)
    }

    /// The next chunk to read, waiting for one; nil when every lane is
    /// finished and empty, or after `closeAndDrain`.
    func pop() -> Chunk? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            if let chunk = takeLocked() { return chunk }
            if shutDown || allDoneLocked { return nil }
            readersWaiting += 1
            pthread_cond_wait(&readable, &mutex)
            readersWaiting -= 1
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
        pthread_cond_broadcast(&readable)
        pthread_cond_broadcast(&writable)
        return dropped
    }

    private var allDoneLocked: Bool {
        advanceLocked()
        return current == lanes.count
    }

    private func advanceLocked() {
        while current < lanes.count && lanes[current].finished && lanes[current].count == 0 { current += 1 }
    }

    private func takeLocked() -> Chunk? {
        if shutDown { return nil }
        advanceLocked()
        guard current < lanes.count, lanes[current].count > 0 else { return nil }
        return takeLocked(from: current)
    }

    private func takeLocked(from lane: Int) -> Chunk {
        let chunk = lanes[lane].items[lanes[lane].head]
        lanes[lane].head += 1
        // Compact now and then instead of shifting on every take.
        if lanes[lane].head >= 64 && lanes[lane].head * 2 >= lanes[lane].items.count {
            lanes[lane].items.removeFirst(lanes[lane].head)
            lanes[lane].head = 0
        }
        if writersWaiting > 0 { pthread_cond_broadcast(&writable) }
        return chunk
    }
}
