import Synchronization

/// A token bucket shared by every reader: at most `bytesPerSecond` on
/// average, and never a burst larger than `burst` bytes (one I/O size).
final class RateLimiter: Sendable {
    let bytesPerSecond: UInt64
    private let burst: Double
    private let state: Mutex<(tokens: Double, updated: UInt64)>

    init(bytesPerSecond: UInt64, burst: Int) {
        self.bytesPerSecond = max(1, bytesPerSecond)
        self.burst = Double(burst)
        state = Mutex((0, monotonicNanoseconds()))
    }

    /// Takes `bytes` tokens if they are there and returns 0; otherwise
    /// takes nothing and returns how long to wait before asking again.
    func tryAcquire(_ bytes: Int, now: UInt64 = monotonicNanoseconds()) -> UInt64 {
        state.withLock { state in
            let elapsed = Double(now &- state.updated) / 1e9
            // A read larger than the bucket still passes once it is full.
            let capacity = max(burst, Double(bytes))
            state.tokens = min(capacity, state.tokens + elapsed * Double(bytesPerSecond))
            state.updated = now
            if state.tokens >= Double(bytes) {
                state.tokens -= Double(bytes)
                return 0
            }
            return UInt64((Double(bytes) - state.tokens) / Double(bytesPerSecond) * 1e9) + 1
        }
    }

    /// Waits on the calling (dedicated) thread until `bytes` may be read.
    func acquire(_ bytes: Int) {
        while true {
            let wait = tryAcquire(bytes)
            if wait == 0 { return }
            sleep(nanoseconds: wait)
        }
    }
}
