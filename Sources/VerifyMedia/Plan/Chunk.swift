/// One read the engines issue: a sector-aligned range of one device, at
/// most one I/O size long, with the parts of it that are in scope. The
/// rest of the range is small gaps between extents, read because one
/// larger read is cheaper than two; errors in gaps are not reported.
///
/// A chunk is small whatever its extents: the scope of a chunk that is in
/// scope as a whole takes no storage, and that of a chunk of many small
/// extents is packed (`PackedRanges`), about two bytes an extent. So the
/// plan can run far ahead of the reads on a fragmented filesystem within
/// its memory budget (`LaneQueues`); the ranges are unpacked only when a
/// read fails and its scope is needed piece by piece.
public struct Chunk: Sendable {
    public let lane: Int
    public let range: ByteRange
    /// In-scope bytes.
    public let scopeBytes: UInt64
    /// nil: the whole range is in scope.
    private let packedScope: PackedRanges?

    public init(lane: Int, range: ByteRange, scope: [ByteRange]) {
        self.lane = lane
        self.range = range
        scopeBytes = scope.totalBytes
        packedScope = scope == [range] ? nil : PackedRanges(scope, from: range.start)
    }

    public var length: Int { Int(range.count) }

    /// The in-scope parts, in order, disjoint and not touching.
    public var scope: [ByteRange] { packedScope?.ranges(from: range.start) ?? [range] }

    /// Whether every byte of the range is in scope.
    var isWhollyInScope: Bool { packedScope == nil }

    /// What holding this chunk costs in memory, for the plan's budget: the
    /// value itself (in a queue and in the ledger's books) and its packed scope.
    var memoryCost: Int { Chunk.fixedCost + (packedScope?.storageBytes ?? 0) }

    static let fixedCost = 2 * MemoryLayout<Chunk>.stride
}

/// Sorted, disjoint byte ranges packed as variable-length integers: per
/// range the gap from the end of the previous one (or from the chunk's
/// start) and the length, in units of the largest power of two (up to
/// 64 KiB) that divides every offset. A chunk of 4 KiB extents with 4 KiB
/// gaps costs two bytes per extent, against sixteen as `ByteRange`s.
struct PackedRanges: Sendable, Equatable {
    private let bytes: [UInt8]
    private let unitShift: UInt8

    init(_ ranges: [ByteRange], from origin: UInt64) {
        var all: UInt64 = 1 << 16
        for range in ranges { all |= (range.start - origin) | (range.end - origin) }
        let shift = UInt8(all.trailingZeroBitCount)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ranges.count * 2)
        var position = origin
        for range in ranges {
            PackedRanges.append((range.start - position) >> shift, to: &bytes)
            PackedRanges.append(range.count >> shift, to: &bytes)
            position = range.end
        }
        self.bytes = bytes
        unitShift = shift
    }

    /// Heap bytes this value holds (an array's header and its elements).
    var storageBytes: Int { bytes.isEmpty ? 0 : 32 + bytes.capacity }

    func ranges(from origin: UInt64) -> [ByteRange] {
        var ranges: [ByteRange] = []
        var index = 0
        var position = origin
        while index < bytes.count {
            let start = position + (read(&index) << UInt64(unitShift))
            let end = start + (read(&index) << UInt64(unitShift))
            ranges.append(ByteRange(start, end))
            position = end
        }
        return ranges
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private func read(_ index: inout Int) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }
}
