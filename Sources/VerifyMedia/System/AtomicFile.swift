import Glibc

/// Writes a file so that readers see either the old or the new contents,
/// never a torn one, also across a crash: a temporary file in the same
/// directory, fsync, rename over the target, fsync of the directory.
///
/// Safe as root in a directory others can write to: the temporary file is
/// created under a random name with O_CREAT|O_EXCL|O_NOFOLLOW, so a file
/// or symbolic link planted there is never followed, truncated or removed
/// (another name is tried), and its mode is set with fchmod, whatever the
/// umask. The directory is opened once and everything happens relative to
/// it, so it cannot be swapped midway.
public enum AtomicFile {
    /// Reports name damaged files: readable by their owner and group only.
    public static let reportMode: mode_t = 0o640

    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = reportMode) throws(Errno) {
        try write(bytes, to: path, mode: mode) { _ in "." + String(UInt64.random(in: 0...UInt64.max), radix: 16) }
    }

    /// `temporaryName(attempt)`: the suffix of the temporary file's name
    /// for each attempt, until one does not exist yet.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t,
                      temporaryName: (Int) -> String) throws(Errno) {
        let slash = path.lastIndex(of: "/")
        let directoryPath = slash.map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let directory = try FileDescriptor.open(directoryPath, O_RDONLY | O_DIRECTORY)
        defer { directory.close() }
        var attempt = 0
        var temporary: String
        var fd: FileDescriptor
        while true {
            temporary = "\(name).tmp\(temporaryName(attempt))"
            do throws(Errno) {
                fd = try FileDescriptor.open(RawPath(temporary), relativeTo: directory.rawValue,
                                             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
                break
            } catch .EEXIST where attempt < 100 {
                attempt += 1
            }
        }
        do throws(Errno) {
            try fd.closeAfter { fd throws(Errno) in
                _ = try retryingOnInterrupt { fchmod(fd.rawValue, mode) }
                try fd.write(bytes)
                _ = try retryingOnInterrupt { fsync(fd.rawValue) }
            }
            _ = try retryingOnInterrupt { renameat(directory.rawValue, temporary, directory.rawValue, name) }
        } catch {
            unlinkat(directory.rawValue, temporary, 0)
            throw error
        }
        _ = fsync(directory.rawValue)
    }
}
