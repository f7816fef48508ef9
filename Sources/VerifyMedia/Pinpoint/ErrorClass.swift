/// What an errno means for the sectors involved.
enum ErrorClass: Equatable {
    /// The medium could not return the data (EIO, ENODATA, EILSEQ): bad sectors.
    case media
    /// The path to the device failed (ETIMEDOUT, ETIME, ENOLINK,
    /// EREMOTEIO): retried with backoff, then reported unverified, not bad.
    case transport
    /// The device went away or shrank: stop reading it.
    case deviceGone
    /// Anything else: the range stays unverified and the run exits 4.
    case operational

    init(_ error: Errno) {
        switch error {
        case .EIO, .ENODATA, .EILSEQ: self = .media
        case .ETIMEDOUT, .ETIME, .ENOLINK, .EREMOTEIO: self = .transport
        case .ENODEV, .ENXIO: self = .deviceGone
        default: self = .operational
        }
    }
}
