import Glibc

/// Why a scan stopped before it covered everything.
public enum StopCause: Sendable, Equatable, CustomStringConvertible {
    /// SIGINT, SIGTERM or SIGHUP.
    case signal(Int32)
    /// A fatal signal arrived inside XFS_IOC_VERIFY_MEDIA (EINTR): the
    /// process is being killed.
    case fatalSignal
    /// The filesystem is no longer mounted where it was.
    case unmounted(mountPoint: String)
    /// The filesystem shut down (XFS answers everything with EIO: a
    /// metadata error, a failed log write); the kernel log says why.
    case shutDown(mountPoint: String)
    /// A device of the filesystem disappeared (the kernel shuts XFS down
    /// with "Block device removal"; systemd then unmounts it).
    case deviceRemoved(DeviceRole, path: String)
    /// A program using the library asked (the watcher, a test).
    case requested(String)

    public var description: String {
        switch self {
        case .signal(let number): "interrupted by \(StopCause.signalName(number))"
        case .fatalSignal: "interrupted by a fatal signal"
        case .unmounted(let mountPoint): "\(mountPoint) was unmounted during the scan"
        case .shutDown(let mountPoint): "the filesystem at \(mountPoint) shut down during the scan (see the kernel log)"
        case .deviceRemoved(let role, let path): "the \(role) device \(path) was removed during the scan"
        case .requested(let why): why
        }
    }

    static func signalName(_ number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(number)"
        }
    }
}
