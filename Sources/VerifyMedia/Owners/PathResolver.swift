import CXFS
import Glibc

/// Finds the names of inodes: through parent pointers where the
/// filesystem has them, else with one walk of the directory tree that
/// looks for all wanted inodes at once and stops when each has as many
/// names as links. A name is only given when the file found there has the
/// expected generation: no name is better than a wrong one.
struct PathResolver {
    let filesystem: MountedFilesystem

    /// `wanted`: inode -> status from bulkstat. Returns inode -> paths.
    func paths(for wanted: [UInt64: InodeStatus]) -> [UInt64: [String]] {
        let named = wanted.filter { $0.value.links > 0 }
        guard !named.isEmpty else { return [:] }
        if filesystem.geometry.hasParentPointers, let found = try? ParentPointerWalk(filesystem: filesystem).paths(for: named) {
            return found
        }
        return walkTree(for: named)
    }

    private func walkTree(for wanted: [UInt64: InodeStatus]) -> [UInt64: [String]] {
        var found: [UInt64: [String]] = [:]
        var remaining = wanted.mapValues { $0.isDirectory ? 1 : Int($0.links) }
        DirectoryWalk(mountPoint: filesystem.mountPoint).run { path, inode, _ in
            check(inode: inode, path: path, wanted: wanted, found: &found, remaining: &remaining)
            return remaining.isEmpty ? .stop : .proceed
        }
        return found
    }

    private func check(inode: UInt64, path: String, wanted: [UInt64: InodeStatus],
                       found: inout [UInt64: [String]], remaining: inout [UInt64: Int]) {
        guard let status = wanted[inode], remaining[inode] != nil else { return }
        guard PathResolver.generation(of: path) == status.generation else { return }
        found[inode, default: []].append(path)
        remaining[inode]! -= 1
        if remaining[inode]! <= 0 { remaining[inode] = nil }
    }

    /// The generation of the file at `path` (FS_IOC_GETVERSION), opened
    /// without following links and without touching its access time.
    static func generation(of path: String) -> UInt32? {
        // O_NOATIME is refused on files the caller does not own, unless root.
        guard let fd = (try? FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | CXFS_O_NOATIME))
            ?? (try? FileDescriptor.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)) else { return nil }
        defer { fd.close() }
        var generation: Int32 = 0
        guard (try? fd.ioctl(CXFS_FS_IOC_GETVERSION, &generation)) != nil else { return nil }
        return UInt32(bitPattern: generation)
    }
}
