/// Bytes in scope handed to the readers, verified, and read (gaps and
/// retries included).
struct ByteTotals: Sendable {
    var planned: UInt64 = 0
    var verified: UInt64 = 0
    var read: UInt64 = 0

    static func + (a: ByteTotals, b: ByteTotals) -> ByteTotals {
        ByteTotals(planned: a.planned + b.planned, verified: a.verified + b.verified, read: a.read + b.read)
    }
}

/// One lane's books: the chunks planned and not yet settled, in physical
/// order, how far planning got, and what the settled part cost. The lane
/// resumes at its first unsettled chunk: everything in scope before it has
/// been verified, found bad or given up on.
struct LaneBook {
    struct Entry {
        let range: ByteRange
        let totals: ByteTotals
        var verified: UInt64 = 0
        var read: UInt64 = 0
        var done = false
        /// In-scope parts not yet accounted for, while the chunk is pinpointed.
        var open: [ByteRange] = []
    }

    let lane: Lane
    /// Retried ranges were planned by an earlier run: not planned again.
    let countsPlanned: Bool
    /// The chunks planned and not yet settled are `entries[head...]`: the
    /// plan may run thousands of chunks ahead of the reads, and settling
    /// the front one must not shift all of them.
    private var entries: [Entry] = []
    private var head = 0
    /// Everything before this was planned, or is out of scope.
    private(set) var frontier: UInt64
    private(set) var planningDone = false
    /// The totals of the chunks before the resume point.
    private(set) var settled = ByteTotals()
    /// Every byte read in this lane, and when its first chunk was planned
    /// and its last one finished (the benchmark).
    private(set) var bytesRead: UInt64 = 0
    private var firstPlanned: UInt64 = 0
    private var lastFinished: UInt64 = 0
    /// GETFSMAP records read for the lane and the wall time of their calls.
    var mapRecords: UInt64 = 0
    var mapNanoseconds: UInt64 = 0

    init(lane: Lane, resumeFrom: UInt64?, countsPlanned: Bool) {
        self.lane = lane
        self.countsPlanned = countsPlanned
        frontier = min(max(lane.range.start, resumeFrom ?? lane.range.start), lane.range.end)
    }

    /// Everything in scope before this offset has been handled.
    var resumePoint: UInt64 { head < entries.count ? entries[head].range.start : frontier }

    var isFinished: Bool { planningDone && head == entries.count }

    mutating func planned(_ chunk: Chunk, resumePoint: UInt64, now: UInt64) {
        if firstPlanned == 0 { firstPlanned = now }
        entries.append(Entry(range: chunk.range, totals: ByteTotals(planned: countsPlanned ? chunk.scopeBytes : 0)))
        frontier = max(frontier, resumePoint)
    }

    mutating func planningFinished() {
        frontier = lane.range.end
        planningDone = true
    }

    /// Changes the entry of `chunk` and returns what `change` returns; nil
    /// when the chunk is not outstanding.
    @discardableResult
    mutating func update<Value>(_ chunk: Chunk, now: UInt64, _ change: (inout Entry) -> Value) -> Value? {
        guard let index = index(of: chunk) else { return nil }
        let before = entries[index].read
        let value = change(&entries[index])
        bytesRead += entries[index].read - before
        if entries[index].done {
            lastFinished = now
            settle()
        }
        return value
    }

    /// Where `chunk`'s entry is. Chunks are planned in ascending order and
    /// mostly read in that order too, so the entry is found near the front
    /// by a short walk, or else by binary search.
    private func index(of chunk: Chunk) -> Int? {
        let start = chunk.range.start
        var index = head
        for _ in 0..<8 where index < entries.count {
            if entries[index].range.start == start { return index }
            index += 1
        }
        var low = head, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].range.start < start { low = middle + 1 } else { high = middle }
        }
        return low < entries.count && entries[low].range.start == start ? low : nil
    }

    /// Moves the finished chunks at the front into the settled totals.
    private mutating func settle() {
        while head < entries.count && entries[head].done {
            let entry = entries[head]
            settled = settled + ByteTotals(planned: entry.totals.planned, verified: entry.verified, read: entry.read)
            head += 1
        }
        // Compact now and then instead of shifting on every settled chunk.
        if head == entries.count {
            entries.removeAll(keepingCapacity: entries.count < 4096)
            head = 0
        } else if head >= 1024 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    /// Seconds from the first chunk planned to the last one finished.
    var seconds: Double { lastFinished > firstPlanned ? Double(lastFinished - firstPlanned) / 1e9 : 0 }

    /// Whether a finding at `range` lies in what this lane has not settled
    /// (it will be read again when the scan resumes).
    func unsettled(_ range: ByteRange) -> Bool {
        range.start >= resumePoint && range.start < lane.range.end && range.start >= lane.range.start
    }
}
