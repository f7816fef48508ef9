import Synchronization

/// How fast the space map streams: records, and the wall time in which at
/// least one GETFSMAP call was running, so that lanes streamed side by side
/// are not counted twice and time spent waiting for the readers is not
/// counted at all; and the CPU time the calls cost (the kernel's walk of
/// the btrees and the copy of the records, charged to the scan).
final class SpaceMapTimer: Sendable {
    private let state = Mutex((active: 0, since: UInt64(0), busy: UInt64(0), records: UInt64(0), cpu: UInt64(0)))
    /// GETFSMAP calls under way, when the last one ended, and the records
    /// and bytes of the device the calls covered, read without the lock
    /// (`SpaceMapYield`).
    private let calls = Atomic<Int>(0)
    private let lastEnded = Atomic<UInt64>(0)
    private let recordsSoFar = Atomic<UInt64>(0)
    private let bytesCovered = Atomic<UInt64>(0)

    var isMapping: Bool { calls.load(ordering: .relaxed) > 0 }
    var lastCallEnded: UInt64 { lastEnded.load(ordering: .relaxed) }

    /// Records per MiB of the device covered by the calls so far that filled
    /// their batch: how dense the map is where mapping takes time, which is
    /// what makes GETFSMAP slow (0 before the first such call). A call that
    /// ran to the end of its range says little: the empty allocation groups
    /// and stretches of large files mapped beside a dense one would dilute
    /// it (on the bench's 36 GiB device a million extents in two AGs came
    /// to 57 records per MiB, and reading never made way).
    var recordsPerMiB: Double {
        let bytes = bytesCovered.load(ordering: .relaxed)
        return bytes == 0 ? 0 : Double(recordsSoFar.load(ordering: .relaxed)) * Double(1 << 20) / Double(bytes)
    }

    func callStarted() {
        let now = monotonicNanoseconds()
        calls.add(1, ordering: .relaxed)
        state.withLock { state in
            if state.active == 0 { state.since = now }
            state.active += 1
        }
    }

    /// A call returned `records` covering `bytes` of the device; `filled`
    /// if they filled its batch.
    func callEnded(records: Int, bytes: UInt64, filled: Bool, cpuNanoseconds: UInt64) {
        let now = monotonicNanoseconds()
        lastEnded.store(now, ordering: .relaxed)
        if filled {
            recordsSoFar.add(UInt64(records), ordering: .relaxed)
            bytesCovered.add(bytes, ordering: .relaxed)
        }
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
