import Glibc
import Synchronization

/// Background mode's manners: while other I/O is in flight on the device
/// (its sysfs `inflight` counters, minus our own reads), the scan holds
/// back to one small trickle read at a time, and resumes its pace once the
/// device has been quiet for a moment. The rate cap alone cannot do this:
/// a quiet device should be scanned at the cap, a busy one should not be
/// touched more than needed to make progress.
final class ForegroundYield: Sendable {
    private let inflightPath: String
    /// How long the device must be quiet before the scan speeds up again.
    private let quietNanoseconds: UInt64 = 50_000_000
    /// While the device is busy, one read per this interval keeps the scan
    /// moving.
    private let trickleNanoseconds: UInt64 = 100_000_000
    private let state = Mutex((busyUntil: UInt64(0), lastTrickle: UInt64(0), lastSample: UInt64(0)))

    init?(device: BlockDevice) {
        let path = "\(device.sysfsPath)/inflight"
        guard readSysfsValue(path) != nil else { return nil }
        inflightPath = path
    }

    /// Requests in flight on the device, ours included.
    private func deviceInflight() -> Int {
        guard let text = readSysfsValue(inflightPath) else { return 0 }
        return text.split(separator: " ").compactMap { Int($0) }.reduce(0, +)
    }

    /// Nanoseconds to hold back before the next read, given how many of our
    /// own reads are in flight; 0 to go ahead.
    func delay(ourInflight: Int, now: UInt64 = monotonicNanoseconds()) -> UInt64 {
        // Sampling sysfs costs a few microseconds; once per millisecond is plenty.
        let sample: Int? = state.withLock { $0.lastSample + 1_000_000 <= now } ? deviceInflight() : nil
        return state.withLock { state in
            if let sample {
                state.lastSample = now
                if sample > ourInflight { state.busyUntil = now + quietNanoseconds }
            }
            guard now < state.busyUntil else { return 0 }
            if ourInflight == 0 && now >= state.lastTrickle + trickleNanoseconds {
                state.lastTrickle = now
                return 0
            }
            return min(state.busyUntil - now, 10_000_000)
        }
    }
}
