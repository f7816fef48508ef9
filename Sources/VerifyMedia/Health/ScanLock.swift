import Glibc

/// Keeps two scans of one filesystem from running at once (a timer's run
/// and a manual one would read everything twice and race for the
/// checkpoint and the history): an exclusive flock(2) on
/// `/run/xfs_verify_media/<fs uuid>.lock`, held until the process ends.
/// The holder writes its pid and start time into the file, so the scan
/// that finds it taken can say who holds it.
public final class ScanLock {
    public static let defaultDirectory = "/run/xfs_verify_media"
    public let path: String
    private let fd: FileDescriptor

    private init(path: String, fd: FileDescriptor) {
        self.path = path
        self.fd = fd
    }

    deinit { fd.close() }

    /// Takes the lock of the filesystem `uuid`; `.held` names the process
    /// that has it, `.unavailable` says why no lock file can be made.
    public static func acquire(uuid: String, directory: String = defaultDirectory) throws(LockError) -> ScanLock {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw .unavailable("\(directory): \(Errno.current)") }
        let path = "\(directory)/\(uuid).lock"
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o644)
        } catch {
            throw .unavailable("\(path): \(error)")
        }
        while flock(fd.rawValue, LOCK_EX | LOCK_NB) != 0 {
            let error = Errno.current
            if error == .EINTR { continue }
            let holder = readHolder(fd)
            fd.close()
            if error == .EWOULDBLOCK { throw .held(holder: holder, path: path) }
            throw .unavailable("\(path): \(error)")
        }
        let holder = Array("pid \(getpid()) since \(time(nil))\n".utf8)
        _ = ftruncate(fd.rawValue, 0)
        _ = holder.withUnsafeBytes { pwrite(fd.rawValue, $0.baseAddress, $0.count, 0) }
        return ScanLock(path: path, fd: fd)
    }

    /// "pid 1234, since 2026-11-30T03:10:00Z", from what the holder wrote.
    private static func readHolder(_ fd: FileDescriptor) -> String {
        var bytes = [UInt8](repeating: 0, count: 128)
        let count = bytes.withUnsafeMutableBytes { pread(fd.rawValue, $0.baseAddress, $0.count, 0) }
        let words = String(decoding: bytes.prefix(max(0, count)), as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard words.count >= 4, words[0] == "pid", words[2] == "since", let since = Double(words[3]) else {
            return "another process"
        }
        return "pid \(words[1]), since \(JSONReport.iso8601(since))"
    }

    public enum LockError: Error, CustomStringConvertible {
        /// Another scan holds the lock.
        case held(holder: String, path: String)
        /// The lock file cannot be made (read-only /run, ...).
        case unavailable(String)

        public var description: String {
            switch self {
            case .held(let holder, let path): "another scan of this filesystem is running (\(holder); lock \(path))"
            case .unavailable(let why): "cannot take the scan lock: \(why)"
            }
        }
    }
}
