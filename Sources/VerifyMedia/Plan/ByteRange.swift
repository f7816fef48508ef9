/// A half-open byte range [start, end) of a device.
public struct ByteRange: Hashable, Sendable, Codable, CustomStringConvertible {
    public var start: UInt64
    public var end: UInt64

    public init(_ start: UInt64, _ end: UInt64) {
        self.start = start
        self.end = end
    }

    public var count: UInt64 { end - start }
    public var isEmpty: Bool { end <= start }

    /// The part of this range inside `other`; an empty range at the nearer
    /// edge when they do not overlap, never one whose start passes its end.
    public func clamped(to other: ByteRange) -> ByteRange {
        let start = Swift.min(Swift.max(self.start, other.start), Swift.max(other.start, other.end))
        return ByteRange(start, Swift.max(start, Swift.min(end, other.end)))
    }

    public func overlaps(_ other: ByteRange) -> Bool { start < other.end && other.start < end }

    /// Whether the two overlap or one ends where the other starts.
    func touches(_ other: ByteRange) -> Bool { start <= other.end && other.start <= end }

    /// Widened outward to multiples of `alignment` (a power of two).
    func aligned(to alignment: UInt64) -> ByteRange {
        ByteRange(start & ~(alignment - 1), (end + alignment - 1) & ~(alignment - 1))
    }

    public var description: String { "[\(start), \(end))" }
}

extension Array where Element == ByteRange {
    /// Appends, joining with the last range when they touch or overlap.
    mutating func appendCoalescing(_ range: ByteRange) {
        if let last = self.last, range.start <= last.end {
            self[count - 1].end = Swift.max(last.end, range.end)
        } else {
            append(range)
        }
    }

    var totalBytes: UInt64 { reduce(0) { $0 + $1.count } }

    /// For sorted, disjoint ranges: removes `range` from them and returns
    /// the pieces that were removed (what the two had in common).
    mutating func remove(_ range: ByteRange) -> [ByteRange] {
        var kept: [ByteRange] = []
        var removed: [ByteRange] = []
        for piece in self {
            let common = piece.clamped(to: range)
            guard !common.isEmpty else {
                kept.append(piece)
                continue
            }
            removed.append(common)
            if piece.start < common.start { kept.append(ByteRange(piece.start, common.start)) }
            if common.end < piece.end { kept.append(ByteRange(common.end, piece.end)) }
        }
        self = kept
        return removed
    }
}
