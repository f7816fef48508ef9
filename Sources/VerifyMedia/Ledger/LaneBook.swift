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
    private(set) var outstanding: [Entry] = []
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

    init(lane: Lane, resumeFrom: UInt64?, countsPlanned: Bool) {
        self.lane = lane
        self.countsPlanned = countsPlanned
        frontier = min(max(lane.range.start, resumeFrom ?? lane.range.start), lane.range.end)
    }

    /// Everything in scope before this offset has been handled.
    var resumePoint: UInt64 { outstanding.first?.range.start ?? frontier }

    var isFinished: Bool { planningDone && outstanding.isEmpty }

    mutating func planned(_ chunk: Chunk, resumePoint: UInt64, now: UInt64) {
        if firstPlanned == 0 { firstPlanned = now }
        outstanding.append(Entry(range: chunk.range, totals: ByteTotals(planned: countsPlanned ? chunk.scopeBytes : 0)))
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
        guard let index = outstanding.firstIndex(where: { $0.range.start == chunk.range.start }) else { return nil }
        let before = outstanding[index].read
        let value = change(&outstanding[index])
        bytesRead += outstanding[index].read - before
        if outstanding[index].done {
            lastFinished = now
            settle()
        }
        return value
    }

    /// Moves the finished chunks at the front into the settled totals.
    private mutating func settle() {
        var count = 0
        for entry in outstanding {
            guard entry.done else { break }
            settled = settled + ByteTotals(planned: entry.totals.planned, verified: entry.verified, read: entry.read)
            count += 1
        }
        if count > 0 { outstanding.removeFirst(count) }
    }

    /// Seconds from the first chunk planned to the last one finished.
    var seconds: Double { lastFinished > firstPlanned ? Double(lastFinished - firstPlanned) / 1e9 : 0 }

    /// Whether a finding at `range` lies in what this lane has not settled
    /// (it will be read again when the scan resumes).
    func unsettled(_ range: ByteRange) -> Bool {
        range.start >= resumePoint && range.start < lane.range.end && range.start >= lane.range.start
    }
}
