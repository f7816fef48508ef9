import Synchronization

/// Reading makes way for the space map while the plan runs short.
///
/// GETFSMAP walks an allocation group's btree one synchronous block read at
/// a time, and each of those small reads queues behind the scan's large
/// ones: beside four 2 MiB reads in flight on the test machine's virtual
/// disk, mapping one group of a million extents took a minute instead of
/// three seconds, while two reads in flight left it nearly alone and still
/// read as fast. So while a GETFSMAP call is under way and fewer than
/// `lowWater` bytes are planned ahead of the reads, at most `reads` reads
/// stay in flight; once the plan is ahead, or planning is over, all of them.
/// Where mapping is quick (large files) the plan is soon far ahead and this
/// never applies.
final class SpaceMapYield: Sendable {
    private let progress: ProgressCounters
    private let timer: SpaceMapTimer
    /// Planned in-scope bytes not yet read below which reading makes way.
    let lowWater: UInt64
    /// Reads in flight while it does.
    let reads: Int
    /// When the current stretch of making way began (0: not now), and the
    /// time spent so in all, for `--bench`.
    private let state = Mutex((since: UInt64(0), total: UInt64(0)))

    init(progress: ProgressCounters, timer: SpaceMapTimer, lowWater: UInt64, reads: Int) {
        self.progress = progress
        self.timer = timer
        self.lowWater = lowWater
        self.reads = max(1, reads)
    }

    /// For a device read with `tuning`: makes way while less than 512 MiB
    /// (or four queues full) is planned ahead, keeping 4 MiB of reads in
    /// flight meanwhile.
    convenience init(progress: ProgressCounters, timer: SpaceMapTimer, tuning: ReadTuning) {
        self.init(progress: progress, timer: timer,
                  lowWater: max(512 << 20, 4 * UInt64(tuning.queueDepth) * UInt64(tuning.ioSize)),
                  reads: (4 << 20) / max(1, tuning.ioSize))
    }

    /// Reads in flight allowed now; nil for no limit.
    func limit(now: UInt64 = monotonicNanoseconds()) -> Int? {
        let yielding = timer.isMapping && !progress.planningFinished.load(ordering: .acquiring) && {
            let planned = progress.planned.load(ordering: .relaxed)
            let done = progress.done.load(ordering: .relaxed)
            return planned < done + lowWater
        }()
        state.withLock { state in
            if yielding && state.since == 0 {
                state.since = now
            } else if !yielding && state.since != 0 {
                state.total += now - state.since
                state.since = 0
            }
        }
        return yielding ? reads : nil
    }

    /// Seconds reading made way for the space map so far.
    var seconds: Double {
        state.withLock { state in
            Double(state.total + (state.since == 0 ? 0 : monotonicNanoseconds() - state.since)) / 1e9
        }
    }
}
