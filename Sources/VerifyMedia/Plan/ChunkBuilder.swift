/// Turns the in-scope extents of one lane, in physical order, into chunks:
/// extents separated by at most `mergeGap` bytes share a read, and no read
/// is longer than `ioSize`, so one large file still fills the queue.
/// Extents may overlap (reflinked blocks come once per owner); each byte
/// is planned once. Chunks come out one at a time, so a huge extent never
/// turns into a huge list.
struct ChunkBuilder {
    let lane: Int
    let ioSize: UInt64
    let mergeGap: UInt64
    let alignment: UInt64
    let limits: ByteRange

    /// The size of the chunk being built, and of the next one; at most `ioSize`.
    private var size: UInt64
    var nextChunkSize: UInt64
    private var start: UInt64 = 0
    private var end: UInt64 = 0
    private var scope: [ByteRange] = []
    private var open = false
    /// The unplanned rest of the extent last fed.
    private var pending = ByteRange(0, 0)
    /// Everything before this has been emitted or is out of scope.
    private var consumedUpTo: UInt64

    /// Where the chunk being built must end: the next multiple of its size.
    /// Reads aligned to their size line up with stripes, flash pages and the
    /// backing store of virtual disks; only a chunk that starts in the middle
    /// of such a unit is shorter.
    private var limit: UInt64 { (start / size + 1) * size }

    init(lane: Int, ioSize: UInt64, mergeGap: UInt64, alignment: UInt64, limits: ByteRange) {
        precondition(ioSize % alignment == 0 && alignment.nonzeroBitCount == 1, "bad chunk geometry")
        self.lane = lane
        self.ioSize = ioSize
        size = ioSize
        nextChunkSize = ioSize
        self.mergeGap = mergeGap
        self.alignment = alignment
        self.limits = limits
        consumedUpTo = limits.start
    }

    /// Where a resumed scan of this lane may start without missing anything.
    var resumePoint: UInt64 { open ? start : consumedUpTo }

    mutating func feed(_ extent: ByteRange) {
        var piece = extent.aligned(to: alignment).clamped(to: limits)
        piece.start = max(piece.start, open ? end : consumedUpTo)
        pending = piece
    }

    /// Plans from the pending extent until a chunk is complete; nil when the
    /// extent is used up without completing one.
    mutating func nextChunk() -> Chunk? {
        while !pending.isEmpty {
            if open && (pending.start - end > mergeGap || pending.start >= limit) {
                return close()
            }
            if !open {
                open = true
                size = max(alignment, min(ioSize, nextChunkSize / alignment * alignment))
                start = pending.start
                end = pending.start
                scope.removeAll(keepingCapacity: true)
            }
            let pieceEnd = min(pending.end, limit)
            scope.appendCoalescing(ByteRange(pending.start, pieceEnd))
            end = pieceEnd
            pending.start = pieceEnd
            if end == limit { return close() }
        }
        return nil
    }

    /// The last chunk of the lane, if one is being built.
    mutating func finish() -> Chunk? {
        defer { consumedUpTo = limits.end }
        return open ? close() : nil
    }

    private mutating func close() -> Chunk {
        open = false
        consumedUpTo = end
        return Chunk(lane: lane, range: ByteRange(start, end), scope: scope)
    }
}
