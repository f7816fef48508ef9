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

    public func clamped(to other: ByteRange) -> ByteRange {
        ByteRange(Swift.max(start, other.start), Swift.min(end, Swift.max(other.start, other.end)))
    }

    public func overlaps(_ other: ByteRange) -> Bool { start < other.end && other.start < end }

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
}
