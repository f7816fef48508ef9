import Synchronization

/// Running totals of one device, updated by every reader thread and read
/// by the progress display without locks.
final class DeviceCounters: Sendable {
    /// In-scope bytes handed to the readers so far.
    let bytesPlanned = Atomic<UInt64>(0)
    /// In-scope bytes read successfully.
    let bytesVerified = Atomic<UInt64>(0)
    /// In-scope bytes done with: verified, found bad, or given up on.
    let bytesDone = Atomic<UInt64>(0)
    /// Every byte transferred, gaps and retries included.
    let bytesRead = Atomic<UInt64>(0)
    /// Whether the space map of this device has been fully planned.
    let planningFinished = Atomic<Bool>(false)
    /// GETFSMAP records streamed, and the time they took.
    let spaceMap = SpaceMapTimer()
    /// Estimate of the in-scope bytes, for progress before planning ends.
    let bytesEstimated = Atomic<UInt64>(0)

    /// The denominator of progress: exact once planning is done.
    var bytesTotal: UInt64 {
        let planned = bytesPlanned.load(ordering: .relaxed)
        if planningFinished.load(ordering: .acquiring) { return planned }
        return max(planned, bytesEstimated.load(ordering: .relaxed))
    }
}
