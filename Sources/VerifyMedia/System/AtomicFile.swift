import Glibc

/// Writes a file so that readers see either the old or the new contents,
/// never a torn one, also across a crash: temporary file, fsync, rename,
/// fsync of the directory.
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Errno) {
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let temporary = "\(path).tmp.\(getpid())"
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do throws(Errno) {
            try fd.write(bytes)
            _ = try retryingOnInterrupt { fsync(fd.rawValue) }
            fd.close()
        } catch {
            fd.close()
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = Errno.current
            unlink(temporary)
            throw error
        }
        if let dir = try? FileDescriptor.open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY) {
            _ = fsync(dir.rawValue)
            dir.close()
        }
    }
}
