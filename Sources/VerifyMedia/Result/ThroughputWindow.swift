/// The read rate over the last ten seconds, from samples of the bytes read
/// so far: a rate (and an ETA) that follows the disk, not the average since
/// the start.
public struct ThroughputWindow: Sendable {
    private var samples: [(time: UInt64, bytes: UInt64)] = []
    private let span: UInt64

    public init(seconds: Double = 10) { span = UInt64(seconds * 1e9) }

    /// Adds a sample (monotonic nanoseconds, bytes read so far) and returns
    /// the rate in bytes per second; 0 until two samples are apart.
    public mutating func add(time: UInt64, bytes: UInt64) -> Double {
        samples.append((time, bytes))
        while let first = samples.first, time - first.time > span, samples.count > 2 { samples.removeFirst() }
        let window = samples.count > 1 ? Double(time - samples[0].time) / 1e9 : 0
        return window > 0 ? Double(bytes &- samples[0].bytes) / window : 0
    }

    /// The time left: the bytes still to verify, times the bytes read per
    /// byte verified so far (merged gaps, pinpointing), at the read rate.
    /// nil before there is a rate.
    public static func secondsLeft(remaining: UInt64, done: UInt64, read: UInt64, readRate: Double) -> Double? {
        guard readRate > 0, remaining > 0 else { return nil }
        let readPerDone = done > 0 && read > 0 ? Double(read) / Double(done) : 1
        return Double(remaining) * readPerDone / readRate
    }
}
