/// Read latencies in microseconds, counted in buckets whose width is at
/// most 1/1024 of their values (three significant digits, as HdrHistogram
/// keeps them): exact below 2048, then 1024 buckets per power of two.
/// Memory grows with the largest value seen: 18 k buckets for two minutes.
struct LatencyHistogram: Sendable {
    private static let exactBelow: UInt64 = 2048
    private static let bucketsPerOctave = 1024

    private var counts: [UInt64] = []
    private(set) var totalCount: UInt64 = 0
    private(set) var max: UInt64 = 0

    mutating func record(_ value: UInt64) {
        let index = Self.index(of: value)
        if index >= counts.count { counts += repeatElement(0, count: index + 1 - counts.count) }
        counts[index] += 1
        totalCount += 1
        max = Swift.max(max, value)
    }

    /// The value at or below which `percentile` % of the values lie, as the
    /// highest value of its bucket (never above the largest value seen);
    /// 0 when nothing was recorded.
    func valueAtPercentile(_ percentile: Double) -> UInt64 {
        guard totalCount > 0 else { return 0 }
        let wanted = Swift.max(1, UInt64((Swift.min(Swift.max(percentile, 0), 100) / 100 * Double(totalCount)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, count) in counts.enumerated() where count > 0 {
            seen += count
            if seen >= wanted { return Swift.min(Self.highestValue(at: index), max) }
        }
        return max
    }

    static func index(of value: UInt64) -> Int {
        guard value >= exactBelow else { return Int(value) }
        // Keep the 11 leading bits: value >> shift is in 1024..<2048.
        let shift = (63 - value.leadingZeroBitCount) - 10
        return Int(exactBelow) + (shift - 1) * bucketsPerOctave + Int(value >> UInt64(shift)) - bucketsPerOctave
    }

    static func highestValue(at index: Int) -> UInt64 {
        guard index >= Int(exactBelow) else { return UInt64(index) }
        let offset = index - Int(exactBelow)
        let shift = UInt64(offset / bucketsPerOctave + 1)
        let lowest = UInt64(bucketsPerOctave + offset % bucketsPerOctave) << shift
        return lowest + (1 << shift) - 1
    }
}
