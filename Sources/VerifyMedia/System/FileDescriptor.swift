import CXFS
import Glibc

/// An open file descriptor with the few operations the scanner needs, in
/// the manner of swift-system: typed errors, EINTR retried, explicit close.
public struct FileDescriptor: Sendable, Hashable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0) throws(Errno) -> FileDescriptor {
        let fd = try retryingOnInterrupt { Glibc.open(path, flags | O_CLOEXEC, mode) }
        return FileDescriptor(rawValue: fd)
    }

    /// openat(2) of `path` relative to `directory`, the bytes as they are.
    public static func open(_ path: RawPath, relativeTo directory: Int32 = AT_FDCWD, _ flags: Int32,
                            mode: mode_t = 0) throws(Errno) -> FileDescriptor {
        let fd = try path.withCString { name throws(Errno) in
            try retryingOnInterrupt { openat(directory, name, flags | O_CLOEXEC, mode) }
        }
        return FileDescriptor(rawValue: fd)
    }

    /// `open` with O_NOATIME, so that reading (a directory too) does not
    /// write the access time. Without it where the kernel refuses it
    /// (EPERM: the caller neither owns the file nor has CAP_FOWNER).
    public static func openWithoutAccessTime(_ path: RawPath, relativeTo directory: Int32 = AT_FDCWD,
                                             _ flags: Int32) throws(Errno) -> FileDescriptor {
        do throws(Errno) {
            return try open(path, relativeTo: directory, flags | CXFS_O_NOATIME)
        } catch .EPERM {
            return try open(path, relativeTo: directory, flags)
        }
    }

    public func close() {
        _ = Glibc.close(rawValue)
    }

    /// Runs `body` with the descriptor and closes it afterwards.
    public func closeAfter<R, E: Error>(_ body: (FileDescriptor) throws(E) -> R) throws(E) -> R {
        defer { close() }
        return try body(self)
    }

    /// One pread(2); returns the byte count, which may be short.
    public func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: UInt64) throws(Errno) -> Int {
        try retryingOnInterrupt { Glibc.pread(rawValue, buffer, count, off_t(offset)) }
    }

    /// One pwrite(2); returns the byte count, which may be short.
    public func write(_ buffer: UnsafeRawPointer, count: Int, at offset: UInt64) throws(Errno) -> Int {
        try retryingOnInterrupt { Glibc.pwrite(rawValue, buffer, count, off_t(offset)) }
    }

    /// The whole file at `path`; nil when there is no such file.
    public static func contentsIfPresent(_ path: String) throws(Errno) -> [UInt8]? {
        let fd: FileDescriptor
        do {
            fd = try open(path, O_RDONLY)
        } catch {
            if error == .ENOENT { return nil }
            throw error
        }
        return try fd.closeAfter { fd throws(Errno) in try fd.readToEnd() }
    }

    /// Everything from the current offset to the end of the file.
    public func readToEnd() throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try retryingOnInterrupt { chunk.withUnsafeMutableBytes { Glibc.read(rawValue, $0.baseAddress, $0.count) } }
            if count == 0 { return result }
            result.append(contentsOf: chunk[..<count])
        }
    }

    /// Writes all of `bytes`, however many write(2) calls it takes.
    public func write(_ bytes: [UInt8]) throws(Errno) {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(rawValue, $0.baseAddress! + done, $0.count - done) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Errno.current
            }
            done += count
        }
    }

    public func write(_ text: String) throws(Errno) {
        try write(Array(text.utf8))
    }

    /// ioctl(2) with a pointer argument; no EINTR retry, since some
    /// ioctls (XFS_IOC_VERIFY_MEDIA) report a fatal signal with EINTR.
    @discardableResult
    public func ioctl(_ request: UInt, _ argument: UnsafeMutableRawPointer) throws(Errno) -> Int32 {
        let result = Glibc.ioctl(rawValue, request, argument)
        if result == -1 { throw Errno.current }
        return result
    }

    /// ioctl(2) on a value the kernel reads and writes in place.
    @discardableResult
    public func ioctl<T>(_ request: UInt, _ value: inout T) throws(Errno) -> Int32 {
        let result = withUnsafeMutableBytes(of: &value) { Glibc.ioctl(rawValue, request, $0.baseAddress!) }
        if result == -1 { throw Errno.current }
        return result
    }

    public func stat() throws(Errno) -> Glibc.stat {
        var st = Glibc.stat()
        _ = try retryingOnInterrupt { fstat(rawValue, &st) }
        return st
    }
}
