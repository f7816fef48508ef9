/// How one read of a device range ended.
enum ReadOutcome: Equatable {
    /// Every byte read.
    case complete
    /// The first `verified` bytes read fine, then a read failed; `error` is
    /// nil when the kernel did not say why (a short advance of
    /// XFS_IOC_VERIFY_MEDIA, a short pread).
    case partial(verified: Int, error: Errno?)
    /// Nothing was read.
    case failed(Errno)

    /// A read that returned a byte count: short means a later part failed
    /// (narrowed like a failure); zero means the device ended there.
    init(transferred: Int, wanted: Int) {
        if transferred >= wanted {
            self = .complete
        } else if transferred == 0 {
            self = .failed(.ENXIO)
        } else {
            self = .partial(verified: transferred, error: nil)
        }
    }

    /// Bytes transferred.
    func bytes(of range: ByteRange) -> UInt64 {
        switch self {
        case .complete: range.count
        case .partial(let count, _): UInt64(count)
        case .failed: 0
        }
    }

    /// The part of `range` that read fine: all of it, the start of a short
    /// read, or nothing.
    func readFine(of range: ByteRange) -> ByteRange? {
        switch self {
        case .complete: range
        case .partial(let count, _): count > 0 ? ByteRange(range.start, range.start + UInt64(count)) : nil
        case .failed: nil
        }
    }

    /// The part of `range` that failed, and why if the kernel said.
    func failure(of range: ByteRange) -> (range: ByteRange, error: Errno?)? {
        switch self {
        case .complete: nil
        case .partial(let count, let error): (ByteRange(range.start + UInt64(count), range.end), error)
        case .failed(let error): (range, error)
        }
    }
}
