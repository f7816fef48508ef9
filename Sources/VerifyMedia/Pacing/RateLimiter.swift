import Synchronization

/// A token bucket shared by every reader: at most `bytesPerSecond` on
/// average, and never a burst larger than `burst` bytes (one I/O size).
final class RateLimiter: Sendable {
    let bytesPerSecond: UInt64
    private let burst: Double
    private let clock: @Sendable () -> UInt64
    private let state: Mutex<(tokens: Double, updated: UInt64)>

    /// `clock`: monotonic nanoseconds (tests pass their own).
    init(bytesPerSecond: UInt64, burst: Int, clock: @escaping @Sendable () -> UInt64 = monotonicNanoseconds) {
        self.bytesPerSecond = max(1, bytesPerSecond)
        self.burst = Double(burst)
        self.clock = clock
        state = Mutex((0, clock()))
    }

    /// Takes `bytes` tokens if they are there and returns 0; otherwise
    /// takes nothing and returns how long to wait before asking again.
    /// The clock is read under the lock: a thread that read it earlier and
    /// got the lock later would otherwise move time backwards.
    func tryAcquire(_ bytes: Int) -> UInt64 {
        state.withLock { state in
            let now = max(clock(), state.updated)
            let elapsed = Double(now - state.updated) / 1e9
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
}
