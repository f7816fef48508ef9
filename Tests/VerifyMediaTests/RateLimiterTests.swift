import Testing
@testable import VerifyMedia

@Suite("Rate limit: a token bucket")
struct RateLimiterTests {
    /// Drives the bucket with a simulated clock: a reader that reads as soon
    /// as it is allowed to.
    private func simulate(rate: UInt64, burst: Int, read: Int, seconds: Double) -> (bytes: UInt64, largestBurst: UInt64) {
        let limiter = RateLimiter(bytesPerSecond: rate, burst: burst)
        let start = monotonicNanoseconds()
        let end = start + UInt64(seconds * 1e9)
        var now = start
        var granted: UInt64 = 0
        var windowStart = start
        var inWindow: UInt64 = 0
        var largest: UInt64 = 0
        while now < end {
            let wait = limiter.tryAcquire(read, now: now)
            if wait == 0 {
                granted += UInt64(read)
                // Bytes granted within any 1 ms: never more than one burst.
                if now - windowStart > 1_000_000 { windowStart = now; inWindow = 0 }
                inWindow += UInt64(read)
                largest = max(largest, inWindow)
            } else {
                now += wait
            }
        }
        return (granted, largest)
    }

    @Test("over 10 s the bytes read are within 5 % of the cap", arguments: [(200 << 20, 1 << 20), (20 << 20, 128 << 10), (1 << 20, 4096)])
    func accurateOverTenSeconds(rate: Int, read: Int) {
        let result = simulate(rate: UInt64(rate), burst: read, read: read, seconds: 10)
        let expected = Double(rate) * 10
        #expect(abs(Double(result.bytes) - expected) <= expected * 0.05)
    }

    @Test("no burst above one I/O size")
    func noBursts() {
        let result = simulate(rate: 100 << 20, burst: 1 << 20, read: 64 << 10, seconds: 2)
        #expect(result.largestBurst <= 1 << 20)
    }

    @Test("a read larger than the bucket still goes once the bucket is full")
    func oversizedRead() {
        let limiter = RateLimiter(bytesPerSecond: 1 << 20, burst: 4096)
        let now = monotonicNanoseconds()
        #expect(limiter.tryAcquire(1 << 20, now: now) > 0)
        #expect(limiter.tryAcquire(1 << 20, now: now + 1_000_000_001) == 0)
    }
}
