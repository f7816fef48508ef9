import Synchronization

/// Running totals of one device for the progress display, read without locks.
final class ProgressCounters: Sendable {
    /// In-scope bytes handed to the readers so far.
    let planned = Atomic<UInt64>(0)
    /// In-scope bytes read successfully.
    let verified = Atomic<UInt64>(0)
    /// In-scope bytes done with: verified, found bad, or given up on.
    let done = Atomic<UInt64>(0)
    /// Every byte transferred, gaps and retries included.
    let read = Atomic<UInt64>(0)
    /// In-scope bytes found bad (a resumed scan's earlier findings included).
    let bad = Atomic<UInt64>(0)
    /// Whether every lane of the device has been planned to its end.
    let planningFinished = Atomic<Bool>(false)
    /// Estimate of the in-scope bytes, for progress before planning ends.
    let estimated = Atomic<UInt64>(0)

    /// The denominator of progress: exact once planning is done.
    var total: UInt64 {
        let planned = planned.load(ordering: .relaxed)
        if planningFinished.load(ordering: .acquiring) { return planned }
        return max(planned, estimated.load(ordering: .relaxed))
    }
}
