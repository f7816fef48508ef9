import Glibc

/// One pass over the directory tree of a mounted filesystem, depth first,
/// staying on that filesystem (mount points below it are skipped).
/// Directories are opened by path one at a time, so the walk holds one
/// directory descriptor however deep or wide the tree is.
struct DirectoryWalk {
    let mountPoint: String

    enum Decision { case proceed, stop }

    /// Calls `visit(path, inode, isDirectory)` for the root and every entry
    /// below it, until it returns `.stop`.
    func run(_ visit: (String, UInt64, Bool) -> Decision) {
        guard let root = try? FileDescriptor.open(mountPoint, O_RDONLY | O_DIRECTORY),
              let rootStat = try? root.stat() else { return }
        root.close()
        let device = rootStat.st_dev
        if visit(mountPoint, UInt64(rootStat.st_ino), true) == .stop { return }
        var directories = [mountPoint]
        while let directory = directories.popLast() {
            guard let fd = try? FileDescriptor.open(directory, O_RDONLY | O_DIRECTORY | O_NOFOLLOW),
                  let stream = fdopendir(fd.rawValue) else { continue }
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name == "." || name == ".." { continue }
                let path = directory == "/" ? "/" + name : directory + "/" + name
                var isDirectory = entry.pointee.d_type == UInt8(DT_DIR)
                if entry.pointee.d_type == UInt8(DT_UNKNOWN) || isDirectory {
                    var st = Glibc.stat()
                    guard fstatat(fd.rawValue, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
                    isDirectory = st.st_mode & S_IFMT == S_IFDIR
                    // Another filesystem mounted inside this one.
                    if isDirectory && st.st_dev != device { continue }
                }
                if visit(path, UInt64(entry.pointee.d_ino), isDirectory) == .stop { return }
                if isDirectory { directories.append(path) }
            }
        }
    }
}
