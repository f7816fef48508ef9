import Synchronization
import Testing
@testable import VerifyMedia

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let now = Mutex<UInt64>(1_000_000_000_000)
    var time: UInt64 { now.withLock { $0 } }
    func advance(_ nanoseconds: UInt64) { now.withLock { $0 += nanoseconds } }
    func set(_ nanoseconds: UInt64) { now.withLock { $0 = nanoseconds } }
    var reading: @Sendable () -> UInt64 { { self.time } }
}

@Suite("Rate limit: a token bucket")
struct RateLimiterTests {
    /// A reader that reads as soon as it is allowed to, for `seconds` of
    /// simulated time; the bytes it was granted.
    private func simulate(rate: UInt64, burst: Int, read: Int, seconds: Double) -> UInt64 {
        let clock = ManualClock()
        let limiter = RateLimiter(bytesPerSecond: rate, burst: burst, clock: clock.reading)
        let end = clock.time + UInt64(seconds * 1e9)
        var granted: UInt64 = 0
        while clock.time < end {
            let wait = limiter.tryAcquire(read)
            if wait == 0 { granted += UInt64(read) } else { clock.advance(wait) }
        }
        return granted
    }

    @Test("over 10 s the bytes read are within 5 % of the cap", arguments: [(200 << 20, 1 << 20), (20 << 20, 128 << 10), (1 << 20, 4096)])
    func accurateOverTenSeconds(rate: Int, read: Int) {
        let bytes = simulate(rate: UInt64(rate), burst: read, read: read, seconds: 10)
        let expected = Double(rate) * 10
        #expect(abs(Double(bytes) - expected) <= expected * 0.05)
    }

    @Test("after a quiet spell, no more than one burst goes at once")
    func noBursts() {
        let clock = ManualClock()
        let limiter = RateLimiter(bytesPerSecond: 100 << 20, burst: 1 << 20, clock: clock.reading)
        // Five quiet seconds would be 500 MiB of tokens without the cap.
        clock.advance(5_000_000_000)
        var granted = 0
        while limiter.tryAcquire(64 << 10) == 0 { granted += 64 << 10 }
        #expect(granted == 1 << 20, "granted \(granted) bytes at one instant")
    }

    @Test("a read larger than the bucket still goes once the bucket is full")
    func oversizedRead() {
        let clock = ManualClock()
        let limiter = RateLimiter(bytesPerSecond: 1 << 20, burst: 4096, clock: clock.reading)
        #expect(limiter.tryAcquire(1 << 20) > 0)
        clock.advance(1_000_000_001)
        #expect(limiter.tryAcquire(1 << 20) == 0)
    }

    @Test("a reader that read the clock before another one got in does not refill the bucket")
    func timeNeverRunsBackwards() {
        let clock = ManualClock()
        let start = clock.time
        let limiter = RateLimiter(bytesPerSecond: 1 << 20, burst: 1 << 20, clock: clock.reading)
        clock.set(start + 1_000_000_000)
        #expect(limiter.tryAcquire(1 << 20) == 0, "one second of tokens")
        // A thread that looked at the clock half a second ago arrives now.
        clock.set(start + 500_000_000)
        #expect(limiter.tryAcquire(4096) > 0, "time went backwards and refilled the bucket")
        clock.set(start + 1_000_000_000)
        #expect(limiter.tryAcquire(4096) > 0, "the bucket is empty until time passes")
        clock.set(start + 1_010_000_000)
        #expect(limiter.tryAcquire(4096) == 0)
    }
}
