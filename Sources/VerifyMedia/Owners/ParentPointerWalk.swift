import CXFS
import Glibc

/// Paths from parent pointers (Linux 6.10, `mkfs.xfs -n parent=1`): each
/// inode lists its parent directories and its name in each, so a path is
/// built by walking up to the root, without reading the directory tree.
struct ParentPointerWalk {
    let filesystem: MountedFilesystem

    /// Paths of the wanted inodes, and the inodes whose parent pointers or
    /// whose ancestors' could not be read (for the directory walk to name).
    func paths(for wanted: [UInt64: InodeStatus]) throws(Errno) -> (found: [UInt64: [RawPath]], failed: Set<UInt64>) {
        let mount = try filesystem.openMountPoint()
        defer { mount.close() }
        let fsid = try fileSystemID(mount)
        let mountPoint = RawPath(filesystem.mountPoint)
        var cache: [UInt64: RawPath] = [:]
        var found: [UInt64: [RawPath]] = [:]
        var failed: Set<UInt64> = []
        for (inode, status) in wanted {
            do throws(Errno) {
                var names: [RawPath] = []
                for (parent, name) in try parents(of: inode, generation: status.generation, fsid: fsid, mount: mount) {
                    guard let directory = try directoryPath(parent.inode, generation: parent.generation, fsid: fsid,
                                                            mount: mount, cache: &cache, depth: 0) else { continue }
                    let path = directory.appending(name.bytes)
                    names.append(filesystem.mountPoint == "/" ? path : RawPath(bytes: mountPoint.bytes + path.bytes))
                }
                if !names.isEmpty { found[inode] = names }
            } catch {
                failed.insert(inode)
            }
        }
        return (found, failed)
    }

    /// The path of a directory relative to the root ("/" for the root).
    private func directoryPath(_ inode: UInt64, generation: UInt32, fsid: UInt64, mount: FileDescriptor,
                               cache: inout [UInt64: RawPath], depth: Int) throws(Errno) -> RawPath? {
        if let known = cache[inode] { return known }
        guard depth < 4096 else { return nil }
        let entries = try parents(of: inode, generation: generation, fsid: fsid, mount: mount)
        guard let (parent, name) = entries.first else {
            cache[inode] = RawPath("/")
            return RawPath("/")
        }
        guard let above = try directoryPath(parent.inode, generation: parent.generation, fsid: fsid,
                                            mount: mount, cache: &cache, depth: depth + 1) else { return nil }
        let path = above.appending(name.bytes)
        cache[inode] = path
        return path
    }

    /// The parent pointers of one inode: (parent inode + generation, name).
    /// Empty for the root directory.
    private func parents(of inode: UInt64, generation: UInt32, fsid: UInt64, mount: FileDescriptor)
        throws(Errno) -> [((inode: UInt64, generation: UInt32), RawPath)] {
        let bufferSize = 64 << 10
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 8)
        defer { buffer.deallocate() }
        var request = xfs_getparents_by_handle()
        withUnsafeMutableBytes(of: &request.gph_handle.ha_u) { $0.storeBytes(of: fsid, as: UInt64.self) }
        request.gph_handle.ha_fid.fid_len = UInt16(MemoryLayout<xfs_fid>.size - 2)
        request.gph_handle.ha_fid.fid_gen = generation
        request.gph_handle.ha_fid.fid_ino = inode
        request.gph_request.gp_bufsize = UInt32(bufferSize)
        request.gph_request.gp_buffer = UInt64(UInt(bitPattern: buffer))
        var result: [((UInt64, UInt32), RawPath)] = []
        while true {
            try mount.ioctl(CXFS_XFS_IOC_GETPARENTS_BY_HANDLE, &request)
            if request.gph_request.gp_oflags & UInt16(XFS_GETPARENTS_OFLAG_ROOT) != 0 { return [] }
            var offset = 0
            while offset + MemoryLayout<xfs_getparents_rec>.size <= bufferSize {
                let record = (buffer + offset).assumingMemoryBound(to: xfs_getparents_rec.self)
                let length = Int(record.pointee.gpr_reclen)
                guard length >= MemoryLayout<xfs_getparents_rec>.size else { break }
                let name = buffer + offset + MemoryLayout<xfs_getparents_rec>.size
                let count = strnlen(name.assumingMemoryBound(to: CChar.self), length - MemoryLayout<xfs_getparents_rec>.size)
                let bytes = Array(UnsafeRawBufferPointer(start: name, count: count))
                if !bytes.isEmpty {
                    let parent = record.pointee.gpr_parent.ha_fid
                    result.append(((parent.fid_ino, parent.fid_gen), RawPath(bytes: bytes)))
                }
                offset += length
            }
            if request.gph_request.gp_oflags & UInt16(XFS_GETPARENTS_OFLAG_DONE) != 0 { break }
        }
        return result
    }

    /// The 8-byte filesystem id that starts every handle of this mount.
    private func fileSystemID(_ mount: FileDescriptor) throws(Errno) -> UInt64 {
        var handle = xfs_handle()
        var length = UInt32(MemoryLayout<xfs_handle>.size)
        var request = xfs_fsop_handlereq()
        request.fd = UInt32(mount.rawValue)
        return try withUnsafeMutablePointer(to: &handle) { (handlePointer) throws(Errno) -> UInt64 in
            try withUnsafeMutablePointer(to: &length) { (lengthPointer) throws(Errno) -> UInt64 in
                request.ohandle = UnsafeMutableRawPointer(handlePointer)
                request.ohandlen = lengthPointer
                try mount.ioctl(CXFS_XFS_IOC_FD_TO_HANDLE, &request)
                return UnsafeRawPointer(handlePointer).load(as: UInt64.self)
            }
        }
    }
}
