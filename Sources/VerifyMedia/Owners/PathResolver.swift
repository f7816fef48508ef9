import CXFS
import Glibc

/// Finds the names of inodes: through parent pointers where the
/// filesystem has them, else with one walk of the directory tree that
/// looks for all wanted inodes at once and stops when each has as many
/// names as links. A name is only given when the file found there has the
/// expected generation: no name is better than a wrong one.
///
/// An inode that cannot be read (bad sectors in its inode chunk) has no
/// generation, link count or parent pointers to ask: it is named by the
/// directory entries that refer to it (`d_ino`), found by walking the
/// whole tree, without opening it.
struct PathResolver {
    let filesystem: MountedFilesystem

    /// `wanted`: inode -> status from bulkstat; `unreadable`: inodes
    /// bulkstat could not read. Returns inode -> paths.
    func paths(for wanted: [UInt64: InodeStatus], unreadable: Set<UInt64>) -> [UInt64: [RawPath]] {
        var named = wanted.filter { $0.value.links > 0 }
        var found: [UInt64: [RawPath]] = [:]
        if filesystem.geometry.hasParentPointers, !named.isEmpty,
           let (paths, failed) = try? ParentPointerWalk(filesystem: filesystem).paths(for: named) {
            found = paths
            named = named.filter { failed.contains($0.key) }
        }
        guard !named.isEmpty || !unreadable.isEmpty else { return found }
        return found.merging(walkTree(for: named, unreadable: unreadable)) { $0 + $1 }
    }

    private func walkTree(for wanted: [UInt64: InodeStatus], unreadable: Set<UInt64>) -> [UInt64: [RawPath]] {
        var found: [UInt64: [RawPath]] = [:]
        var remaining = wanted.mapValues { $0.isDirectory ? 1 : Int($0.links) }
        DirectoryWalk(mountPoint: filesystem.mountPoint, directoryBlockSize: filesystem.geometry.directoryBlockSize).run { entry in
            if unreadable.contains(entry.inode) {
                found[entry.inode, default: []].append(entry.path)
            } else if let status = wanted[entry.inode], remaining[entry.inode] != nil,
                      PathResolver.generation(of: entry) == status.generation {
                found[entry.inode, default: []].append(entry.path)
                remaining[entry.inode]! -= 1
                if remaining[entry.inode]! <= 0 { remaining[entry.inode] = nil }
            }
            // Names of unreadable inodes have no count to reach.
            return remaining.isEmpty && unreadable.isEmpty ? .stop : .proceed
        }
        return found
    }

    /// The generation of the file an entry names.
    static func generation(of entry: DirectoryWalk.Entry) -> UInt32? {
        guard let fd = entry.open() else { return nil }
        defer { fd.close() }
        return generation(of: fd)
    }

    /// FS_IOC_GETVERSION: the inode's generation.
    static func generation(of fd: FileDescriptor) -> UInt32? {
        var generation: Int32 = 0
        guard (try? fd.ioctl(CXFS_FS_IOC_GETVERSION, &generation)) != nil else { return nil }
        return UInt32(bitPattern: generation)
    }
}
