import Synchronization

/// Reading makes way for the space map while the plan is short.
///
/// GETFSMAP walks an allocation group's btree one synchronous block read at
/// a time, and each of those small reads waits behind the scan's own reads
/// already queued on the device. On the test machine's virtual disk,
/// mapping a million extents (two million records) takes 3.3 s alone with
/// cold caches, 4.6 s beside the scan's sixteen 2 MiB reads, and as little
/// as alone with four 512 KiB reads in flight, which still read 2.2 GiB/s
/// there (with one, the map took as long but reading lagged: 1.9 GiB/s).
///
/// So while planning is behind on a densely mapped device, the scan reads
/// the way that leaves GETFSMAP almost alone: chunks of at most `smallChunk`
/// bytes, planned as such, and `reads` of them in flight. It starts when
/// the calls that filled their batch returned at least `denseRecordsPerMiB`
/// records per MiB of the device they covered (a million extents in 8 GiB:
/// 256; 60 000 small files: under 40; large files: next to none), less than
/// `lowWater` in-scope bytes are planned ahead of the reads and a GETFSMAP
/// call ran lately; it ends when `highWater` bytes are planned ahead, when
/// planning is over, or when no call ran for a while (the planners wait for
/// room in the plan's budget). Where gentle reading keeps pace with the map,
/// it lasts until the map is done; where it does not, mapping gets well
/// ahead in stretches of gentle reading, and the reads go at full depth
/// between them. Where the map is sparse, it is quick, and reading never
/// makes way.
final class SpaceMapYield: Sendable {
    private let progress: ProgressCounters
    private let timer: SpaceMapTimer
    let denseRecordsPerMiB: Double
    let lowWater: UInt64
    let highWater: UInt64
    /// Bytes per chunk planned, and reads in flight, while making way.
    let smallChunk: UInt64
    let reads: Int
    /// Whether the scan makes way now, since when, and the time it did so in all.
    private let state = Mutex((yielding: false, since: UInt64(0), total: UInt64(0)))
    private let yielding = Atomic<Bool>(false)

    /// No GETFSMAP call for this long: the planners are waiting for room.
    static let idleNanoseconds: UInt64 = 20_000_000

    init(progress: ProgressCounters, timer: SpaceMapTimer, denseRecordsPerMiB: Double = 128, lowWater: UInt64,
         highWater: UInt64, smallChunk: UInt64, reads: Int) {
        self.progress = progress
        self.timer = timer
        self.denseRecordsPerMiB = denseRecordsPerMiB
        self.lowWater = lowWater
        self.highWater = max(lowWater, highWater)
        self.smallChunk = smallChunk
        self.reads = max(1, reads)
    }

    /// For a device read with `tuning`: where the map holds 128 records per
    /// MiB or more, makes way below 512 MiB planned ahead until 2 GiB are,
    /// with four reads of 512 KiB (or the I/O size if smaller) in flight.
    convenience init(progress: ProgressCounters, timer: SpaceMapTimer, tuning: ReadTuning) {
        self.init(progress: progress, timer: timer, lowWater: 512 << 20, highWater: 2 << 30,
                  smallChunk: min(512 << 10, UInt64(tuning.ioSize)), reads: 4)
    }

    /// Reads in flight allowed now; nil for no limit.
    func limit(now: UInt64 = monotonicNanoseconds()) -> Int? {
        update(now: now) ? reads : nil
    }

    /// The largest chunk to plan now.
    func chunkSize(ioSize: UInt64, now: UInt64 = monotonicNanoseconds()) -> UInt64 {
        update(now: now) ? min(ioSize, smallChunk) : ioSize
    }

    /// Seconds the scan made way for the space map so far.
    var seconds: Double {
        state.withLock { state in
            Double(state.total + (state.yielding ? monotonicNanoseconds() - state.since : 0)) / 1e9
        }
    }

    /// Whether to make way now, moving between the two states as the plan
    /// and the planners say.
    private func update(now: UInt64) -> Bool {
        let was = yielding.load(ordering: .relaxed)
        let ahead = progress.planned.load(ordering: .relaxed) &- progress.done.load(ordering: .relaxed)
        let mapping = timer.isMapping || now &- timer.lastCallEnded < SpaceMapYield.idleNanoseconds
        let planning = !progress.planningFinished.load(ordering: .acquiring)
        let shouldYield = planning && mapping && timer.recordsPerMiB >= denseRecordsPerMiB
            && (was ? Int64(bitPattern: ahead) < Int64(highWater) : Int64(bitPattern: ahead) < Int64(lowWater))
        if shouldYield != was {
            state.withLock { state in
                guard state.yielding != shouldYield else { return }
                if shouldYield {
                    state.since = now
                } else {
                    state.total += now &- state.since
                }
                state.yielding = shouldYield
                yielding.store(shouldYield, ordering: .relaxed)
            }
        }
        return shouldYield
    }
}
