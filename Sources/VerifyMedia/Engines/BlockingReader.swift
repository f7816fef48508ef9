import Glibc

/// A synchronous way to read-verify a device range: pread(2) on the block
/// device, or XFS_IOC_VERIFY_MEDIA. Engines that block per read and the
/// pinpointer use it from dedicated threads.
protocol BlockingReader: Sendable {
    /// Reads `range` (sector aligned, at most `buffer.count` bytes).
    /// `report` asks the kernel engine to tell the health monitor about a
    /// media error; pinpointing sets it only on sector-sized reads.
    func read(_ range: ByteRange, into buffer: AlignedBuffer, report: Bool) -> ReadOutcome
}

/// O_DIRECT pread(2) of the block device.
struct PreadReader: BlockingReader {
    let fd: FileDescriptor

    func read(_ range: ByteRange, into buffer: AlignedBuffer, report: Bool) -> ReadOutcome {
        let wanted = Int(range.count)
        precondition(wanted <= buffer.count, "read larger than its buffer")
        do {
            let count = try fd.read(into: buffer.pointer, count: wanted, at: range.start)
            return ReadOutcome(transferred: count, wanted: wanted)
        } catch {
            return .failed(error)
        }
    }
}
