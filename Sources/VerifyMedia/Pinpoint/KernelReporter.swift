/// Tells the kernel about bad sectors found by the userspace engines, so
/// its health monitor (xfs_healer, fanotify) hears of them as it does of
/// those the kernel engine finds: one single-sector XFS_IOC_VERIFY_MEDIA
/// call with XFS_VERIFY_MEDIA_REPORT per bad sector. The kernel reads the
/// sector itself and reports only if it fails again with a media error.
struct KernelReporter: Sendable {
    let reader: VerifyMediaReader

    /// Reports the sector at `sector`; true when the kernel found it bad
    /// (and so told its health monitor).
    func report(_ sector: ByteRange, buffer: AlignedBuffer) -> Bool {
        switch reader.read(sector, into: buffer, report: true) {
        case .failed(let error), .partial(_, let error?): ErrorClass(error) == .media
        case .complete, .partial: false
        }
    }
}
