import Synchronization

/// How fast one device is read, for every reader of it, pinpointing
/// included: the rate cap shared by all devices, and in background mode
/// holding back while other I/O waits on the device. Readers ask before
/// each read and say when it is over, so the pacer knows how many of the
/// device's requests in flight are the scan's own.
final class Pacer: Sendable {
    private let limiter: RateLimiter?
    private let foregroundYield: ForegroundYield?
    /// Reads of this scan in flight on the device right now.
    private let inflight = Atomic<Int>(0)

    init(limiter: RateLimiter?, foregroundYield: ForegroundYield?) {
        self.limiter = limiter
        self.foregroundYield = foregroundYield
    }

    /// Nanoseconds to wait before reading `bytes`; 0 to go ahead, in which
    /// case the bytes are paid for and the read counts as in flight until
    /// `finished()`.
    func delay(bytes: Int) -> UInt64 {
        if let foregroundYield {
            let wait = foregroundYield.delay(ourInflight: inflight.load(ordering: .relaxed))
            if wait > 0 { return wait }
        }
        let wait = limiter?.tryAcquire(bytes) ?? 0
        if wait == 0 { inflight.add(1, ordering: .relaxed) }
        return wait
    }

    /// A read that `delay` let go has completed.
    func finished() {
        inflight.subtract(1, ordering: .relaxed)
    }

    /// Waits on the calling (dedicated) thread until `bytes` may be read;
    /// false, without waiting further, once `stop` says so. After true,
    /// call `finished()` when the read is over.
    func wait(bytes: Int, unless stop: DeviceStop) -> Bool {
        while !stop.isRequested {
            let wait = delay(bytes: bytes)
            if wait == 0 { return true }
            sleep(nanoseconds: min(wait, 50_000_000))
        }
        return false
    }
}
