/// Where a resumed scan of one device starts, and what it keeps of the
/// run it continues (`Checkpoint.resumption(of:lanes:)`).
struct DeviceResumption: Sendable {
    /// Layout lane index -> offset up to which the lane was settled.
    var resumeFrom: [Int: UInt64] = [:]
    /// Findings in parts that are not read again.
    var bad: [BadRange] = []
    var flaky: [FlakyRange] = []
    /// Ranges given up on before the resume points: read again.
    var retries: [UnverifiedRange] = []
    /// In-scope bytes the earlier runs settled: not in this run's estimate.
    var settledBytes: UInt64 = 0
}
