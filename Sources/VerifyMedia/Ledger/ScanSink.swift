/// What the threads scanning one device report, and all they may do to
/// the scan's state. Planning, the engines and the pinpointer only ever
/// call these and learn nothing back, as xfsprogs' `read_verify` pool knows
/// nothing but its error callback. `DeviceLedger` is the one place that
/// records; `DevicePipeline` passes reports on to it and routes what needs
/// a follow-up (failed reads to pinpointing, a dead device to stopping).
///
/// Accounting is per chunk: every in-scope byte of a planned chunk ends up
/// exactly once as verified, bad or unverified, however the reports for it
/// arrive (a whole read, a short read and its pinpointing, a stop).
protocol ScanSink: Sendable {
    // MARK: Planning

    /// `chunk` will be read; its lane is planned up to `resumePoint`.
    func planned(_ chunk: Chunk, resumePoint: UInt64)
    /// The lane is planned to its end.
    func lanePlanned(_ lane: Int)
    /// Planning of the lane is over (done or not): the space-map records
    /// read for it and the wall time their calls took.
    func laneMapped(_ lane: Int, records: UInt64, nanoseconds: UInt64)
    /// The lane cannot be planned from `offset` on (GETFSMAP failed).
    func laneUnplannable(_ lane: Int, from offset: UInt64, error: Errno)
    /// A planned chunk will not be read in this run (the scan stopped);
    /// a resumed scan reads it.
    func dropped(_ chunk: Chunk)

    // MARK: Engines

    /// An engine's read of `chunk` ended. A partial or failed read leaves
    /// the rest of the chunk open until it is pinpointed.
    func read(_ chunk: Chunk, _ outcome: ReadOutcome, latencyNanoseconds: UInt64)
    /// The same for a chunk read in pieces, near an earlier media error
    /// (`MediaErrorZones`): the parts that failed stay open.
    func read(_ chunk: Chunk, pieces: [PieceRead])

    // MARK: Pinpointing a chunk whose read failed

    /// Bytes read again while narrowing `chunk`.
    func reread(_ chunk: Chunk, bytes: UInt64)
    /// In-scope bytes of `chunk` that read fine.
    func verified(_ range: ByteRange, in chunk: Chunk)
    /// Sectors of `chunk` the medium cannot return.
    func bad(_ range: ByteRange, _ error: Errno, reportedToKernel: Bool, in chunk: Chunk)
    /// In-scope bytes of `chunk` given up on.
    func unverified(_ range: ByteRange, _ error: Errno, _ reason: UnverifiedReason, in chunk: Chunk)
    /// A range that failed once and then read.
    func flaky(_ range: ByteRange, _ error: Errno?)
    /// Pinpointing of `chunk` is over: whatever of it was not reported yet
    /// is unverified for `leftover` (a stop, a device gone).
    func pinpointed(_ chunk: Chunk, leftover: UnverifiedReason, error: Errno)

    // MARK: Trouble

    /// An operational problem worth a line in the report (exit bit 4).
    func problem(_ message: String)
    /// The device cannot be read any more.
    func deviceFailed(_ error: Errno)
}
