import Synchronization

/// How fast the space map streams: records, and the wall time in which at
/// least one GETFSMAP call was running, so that lanes streamed side by side
/// are not counted twice and time spent waiting for the readers is not
/// counted at all; and the CPU time the calls cost (the kernel's walk of
/// the btrees and the copy of the records, charged to the scan).
final class SpaceMapTimer: Sendable {
    private let state = Mutex((active: 0, since: UInt64(0), busy: UInt64(0), records: UInt64(0), cpu: UInt64(0)))
    /// GETFSMAP calls under way, and when the last one ended, read without
    /// the lock (`SpaceMapYield`).
    private let calls = Atomic<Int>(0)
    private let lastEnded = Atomic<UInt64>(0)

    var isMapping: Bool { calls.load(ordering: .relaxed) > 0 }
    var lastCallEnded: UInt64 { lastEnded.load(ordering: .relaxed) }

    func callStarted() {
        let now = monotonicNanoseconds()
        calls.add(1, ordering: .relaxed)
        state.withLock { state in
            if state.active == 0 { state.since = now }
            state.active += 1
        }
    }

    func callEnded(records: Int, cpuNanoseconds: UInt64) {
        let now = monotonicNanoseconds()
        lastEnded.store(now, ordering: .relaxed)
        calls.subtract(1, ordering: .relaxed)
        state.withLock { state in
            state.active -= 1
            state.records += UInt64(records)
            state.cpu += cpuNanoseconds
            if state.active == 0 { state.busy += now - state.since }
        }
    }

    var totals: (records: UInt64, seconds: Double, cpuSeconds: Double) {
        state.withLock { ($0.records, Double($0.busy) / 1e9, Double($0.cpu) / 1e9) }
    }
}
