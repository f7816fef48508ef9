import Glibc

/// One pass over the directory tree of a mounted filesystem, depth first,
/// staying on that filesystem (mount points below it are not entered).
/// Directories are opened by path one at a time, so the walk holds one
/// directory descriptor however deep or wide the tree is.
///
/// The walk only reads directories, with O_NOATIME: reading them must not
/// write their access times. What it knows of an entry comes from the
/// directory (`d_ino`, `d_type`), not from the entry's inode, so a file
/// whose inode cannot be read is still found by number, and nothing is
/// opened to learn its type: device nodes and FIFOs are never opened.
///
/// A directory block that cannot be read does not hide the entries after
/// it: the walk goes on from the next block (see `nextBlock`).
struct DirectoryWalk {
    let mountPoint: String
    /// The filesystem's directory block size, for stepping over an
    /// unreadable block; 0 stops reading a directory at its first error.
    var directoryBlockSize: UInt64 = 0

    enum Decision { case proceed, stop }

    enum Kind {
        case regular, directory
        /// Symbolic links, device nodes, FIFOs, sockets.
        case other
        /// The directory does not record types (`DT_UNKNOWN`) and the inode
        /// could not be read either.
        case unknown
    }

    /// A name in a directory, as the directory records it.
    struct Entry {
        let path: RawPath
        /// `d_ino`: the inode the name refers to.
        let inode: UInt64
        let kind: Kind
        /// The directory being read (AT_FDCWD for the root) and the name in
        /// it; valid while the entry is visited.
        fileprivate let directory: Int32
        fileprivate let name: RawPath
        fileprivate let device: dev_t

        /// Opens a regular file or directory for ioctls, without following a
        /// symbolic link, crossing a mount or touching the access time; nil
        /// for anything else. The entry may have been replaced since the
        /// directory was read: O_NONBLOCK and O_NOCTTY keep a FIFO or
        /// terminal put there from blocking or becoming ours, and the file
        /// opened must be the inode the directory named.
        func open() -> FileDescriptor? {
            guard kind == .regular || kind == .directory,
                  let fd = try? FileDescriptor.openWithoutAccessTime(name, relativeTo: directory,
                                                                     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)
            else { return nil }
            guard let st = try? fd.stat(), st.st_dev == device, UInt64(st.st_ino) == inode,
                  st.st_mode & S_IFMT == (kind == .directory ? S_IFDIR : S_IFREG) else {
                fd.close()
                return nil
            }
            return fd
        }
    }

    /// Calls `visit` for the root and every entry below it, until it
    /// returns `.stop`.
    func run(_ visit: (Entry) -> Decision) {
        let root = RawPath(mountPoint)
        guard let fd = try? FileDescriptor.openWithoutAccessTime(root, O_RDONLY | O_DIRECTORY),
              let rootStat = try? fd.closeAfter({ fd throws(Errno) in try fd.stat() }) else { return }
        let device = rootStat.st_dev
        let rootEntry = Entry(path: root, inode: UInt64(rootStat.st_ino), kind: .directory,
                              directory: AT_FDCWD, name: root, device: device)
        if visit(rootEntry) == .stop { return }
        var directories = [(path: root, inode: rootEntry.inode)]
        while let directory = directories.popLast() {
            guard let fd = try? FileDescriptor.openWithoutAccessTime(directory.path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            else { continue }
            // Another filesystem mounted here, or a directory renamed since
            // it was listed.
            guard let st = try? fd.stat(), st.st_dev == device, UInt64(st.st_ino) == directory.inode,
                  let stream = fdopendir(fd.rawValue) else {
                fd.close()
                continue
            }
            defer { closedir(stream) }
            var skipped = 0
            while true {
                errno = 0
                guard let record = readdir(stream) else {
                    guard errno != 0, skipped < 1 << 16,
                          let next = DirectoryWalk.nextBlock(after: telldir(stream), blockSize: directoryBlockSize) else { break }
                    seekdir(stream, next)
                    skipped += 1
                    continue
                }
                let name = DirectoryWalk.name(of: record)
                if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
                let entry = Entry(path: directory.path.appending(name), inode: UInt64(record.pointee.d_ino),
                                  kind: DirectoryWalk.kind(of: record, in: fd.rawValue, name: RawPath(bytes: name)),
                                  directory: fd.rawValue, name: RawPath(bytes: name), device: device)
                if visit(entry) == .stop { return }
                if entry.kind == .directory { directories.append((entry.path, entry.inode)) }
            }
        }
    }

    /// Where to read on after an error at readdir position `position`: the
    /// start of the next directory block. XFS's readdir positions are byte
    /// offsets in the directory's data space divided by 8
    /// (XFS_DIR2_DATA_ALIGN_LOG), and a failed read leaves the position in
    /// the block that failed.
    static func nextBlock(after position: Int, blockSize: UInt64) -> Int? {
        guard blockSize > 0, position >= 0 else { return nil }
        let next = (UInt64(position) << 3 / blockSize + 1) * blockSize >> 3
        return next > UInt64(position) && next <= UInt64(Int.max) ? Int(next) : nil
    }

    private static func name(of record: UnsafeMutablePointer<dirent>) -> [UInt8] {
        withUnsafeBytes(of: record.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
    }

    /// From `d_type`; only where the directory does not record it, from
    /// the inode (`fstatat`, not following a symbolic link).
    private static func kind(of record: UnsafeMutablePointer<dirent>, in directory: Int32, name: RawPath) -> Kind {
        switch Int32(record.pointee.d_type) {
        case Int32(DT_REG): return .regular
        case Int32(DT_DIR): return .directory
        case Int32(DT_UNKNOWN): break
        default: return .other
        }
        var st = stat()
        guard name.withCString({ fstatat(directory, $0, &st, AT_SYMLINK_NOFOLLOW) }) == 0 else { return .unknown }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        default: return .other
        }
    }
}
