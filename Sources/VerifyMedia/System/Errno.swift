import Glibc

/// A POSIX error number, typed like swift-system's `Errno`, with the
/// symbolic name the report prints ("EIO") next to its number.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno`.
    public static var current: Errno { Errno(errno) }

    public static let EPERM = Errno(Glibc.EPERM)
    public static let ENOENT = Errno(Glibc.ENOENT)
    public static let EINTR = Errno(Glibc.EINTR)
    public static let EIO = Errno(Glibc.EIO)
    public static let ENXIO = Errno(Glibc.ENXIO)
    public static let EAGAIN = Errno(Glibc.EAGAIN)
    public static let ENOMEM = Errno(Glibc.ENOMEM)
    public static let EACCES = Errno(Glibc.EACCES)
    public static let ENODEV = Errno(Glibc.ENODEV)
    public static let ENOTDIR = Errno(Glibc.ENOTDIR)
    public static let EINVAL = Errno(Glibc.EINVAL)
    public static let ENOTTY = Errno(Glibc.ENOTTY)
    public static let ENOSYS = Errno(Glibc.ENOSYS)
    public static let ENODATA = Errno(Glibc.ENODATA)
    public static let ETIME = Errno(Glibc.ETIME)
    public static let ENOLINK = Errno(Glibc.ENOLINK)
    public static let EILSEQ = Errno(Glibc.EILSEQ)
    public static let EOPNOTSUPP = Errno(Glibc.EOPNOTSUPP)
    public static let ETIMEDOUT = Errno(Glibc.ETIMEDOUT)
    public static let EREMOTEIO = Errno(Glibc.EREMOTEIO)
    public static let ESTALE = Errno(Glibc.ESTALE)
    public static let EMSGSIZE = Errno(Glibc.EMSGSIZE)
    public static let ECANCELED = Errno(Glibc.ECANCELED)
    public static let EBUSY = Errno(Glibc.EBUSY)
    public static let EWOULDBLOCK = Errno(Glibc.EWOULDBLOCK)
    public static let EUCLEAN = Errno(Glibc.EUCLEAN)
    public static let EEXIST = Errno(Glibc.EEXIST)
    public static let EBADMSG = Errno(Glibc.EBADMSG)
    public static let EROFS = Errno(Glibc.EROFS)
    public static let ESHUTDOWN = Errno(Glibc.ESHUTDOWN)
    public static let ENAMETOOLONG = Errno(Glibc.ENAMETOOLONG)

    private static let names: [Int32: String] = [
        Glibc.EPERM: "EPERM", Glibc.ENOENT: "ENOENT", Glibc.EINTR: "EINTR", Glibc.EIO: "EIO",
        Glibc.ENXIO: "ENXIO", Glibc.EBADF: "EBADF", Glibc.EAGAIN: "EAGAIN", Glibc.ENOMEM: "ENOMEM",
        Glibc.EACCES: "EACCES", Glibc.EFAULT: "EFAULT", Glibc.EBUSY: "EBUSY", Glibc.ENODEV: "ENODEV",
        Glibc.ENOTDIR: "ENOTDIR", Glibc.EINVAL: "EINVAL", Glibc.ENOSPC: "ENOSPC", Glibc.EROFS: "EROFS",
        Glibc.ENOTTY: "ENOTTY", Glibc.ENOSYS: "ENOSYS", Glibc.ENODATA: "ENODATA", Glibc.ETIME: "ETIME",
        Glibc.ENOLINK: "ENOLINK", Glibc.EBADE: "EBADE", Glibc.EILSEQ: "EILSEQ", Glibc.EOVERFLOW: "EOVERFLOW",
        Glibc.EOPNOTSUPP: "EOPNOTSUPP", Glibc.ETIMEDOUT: "ETIMEDOUT", Glibc.EREMOTEIO: "EREMOTEIO",
        Glibc.ESTALE: "ESTALE", Glibc.EMSGSIZE: "EMSGSIZE", Glibc.EUCLEAN: "EUCLEAN",
        Glibc.ESHUTDOWN: "ESHUTDOWN", Glibc.EREMCHG: "EREMCHG", Glibc.ETOOMANYREFS: "ETOOMANYREFS",
        Glibc.ECANCELED: "ECANCELED", Glibc.EBADMSG: "EBADMSG", Glibc.EEXIST: "EEXIST",
        Glibc.ENAMETOOLONG: "ENAMETOOLONG", Glibc.EISDIR: "EISDIR",
    ]

    /// "EIO", or "E123" for numbers without a name here.
    public var name: String { Errno.names[rawValue] ?? "E\(rawValue)" }

    /// strerror text: "Input/output error".
    public var message: String { String(cString: strerror(rawValue)) }

    public var description: String { "\(message) (\(name))" }

    /// Parses "EIO" or a number, as the report and checkpoint store it.
    public init?(name: String) {
        if let (number, _) = Errno.names.first(where: { $0.value == name }) {
            self.init(number)
        } else if let number = Int32(name), number > 0 {
            self.init(number)
        } else {
            return nil
        }
    }
}

/// Runs a system call that returns -1 and sets errno on failure, retrying
/// when a signal interrupted it.
@inline(__always)
func retryingOnInterrupt<T: FixedWidthInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno.current
        if error != .EINTR { throw error }
    }
}
