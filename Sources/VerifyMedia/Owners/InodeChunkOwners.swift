import CXFS

/// The inodes in use in bad sectors of inode chunks. GETFSMAP only says
/// "inodes"; xfs_scrub names the inode record it failed to read. From the
/// geometry each sector's inode numbers follow, and the inode btree
/// (XFS_IOC_INUMBERS, which does not read the chunks) says which of them
/// are allocated: those files lost their inode, and are named.
struct InodeChunkOwners {
    let filesystem: MountedFilesystem

    /// At most this many inode numbers are examined per bad range.
    static let limit = 1 << 16

    /// The allocated inodes whose on-disk inode overlaps `range` of the
    /// data device, with the bytes of each inside it.
    func inodes(in range: ByteRange) throws(Errno) -> [(inode: UInt64, bytes: UInt64)] {
        let geometry = filesystem.geometry
        let inodeSize = geometry.inodeSize, blockSize = geometry.blockSize, agBlocks = geometry.agBlocks
        guard inodeSize > 0, blockSize >= inodeSize, agBlocks > 1 else { return [] }
        let inodesPerBlockLog = UInt64((blockSize / inodeSize).trailingZeroBitCount)
        let agBlockLog = UInt64(64 - (agBlocks - 1).leadingZeroBitCount)
        var found: [(inode: UInt64, bytes: UInt64)] = []
        var groups: [UInt64: UInt64] = [:]       // first inode of a group of 64 -> allocation mask
        var offset = range.start / inodeSize * inodeSize
        var examined = 0
        while offset < range.end && examined < Self.limit {
            defer {
                offset += inodeSize
                examined += 1
            }
            let ag = offset / geometry.agBytes, agBlock = offset % geometry.agBytes / blockSize
            guard ag < UInt64(geometry.agCount) else { break }
            let inode = ag << (agBlockLog + inodesPerBlockLog) | agBlock << inodesPerBlockLog | offset % blockSize / inodeSize
            let group = inode & ~63
            if groups[group] == nil { groups[group] = try allocationMask(ofGroup: group) }
            guard groups[group]! & (1 << (inode - group)) != 0 else { continue }
            found.append((inode, ByteRange(offset, offset + inodeSize).clamped(to: range).count))
        }
        return found
    }

    /// Which of the 64 inodes from `group` on are allocated (0 when none are).
    private func allocationMask(ofGroup group: UInt64) throws(Errno) -> UInt64 {
        let size = MemoryLayout<xfs_inumbers_req>.size + MemoryLayout<xfs_inumbers>.size
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let request = buffer.assumingMemoryBound(to: xfs_inumbers_req.self)
        request.pointee.hdr.ino = group
        request.pointee.hdr.icount = 1
        let fd = try filesystem.openMountPoint()
        defer { fd.close() }
        try fd.ioctl(CXFS_XFS_IOC_INUMBERS, buffer)
        guard request.pointee.hdr.ocount == 1 else { return 0 }
        // The first group at or after the one asked; its start may differ by
        // a sparse chunk's alignment.
        let record = (buffer + MemoryLayout<xfs_inumbers_req>.size).assumingMemoryBound(to: xfs_inumbers.self).pointee
        guard record.xi_startino <= group, group < record.xi_startino + 64 else { return 0 }
        return record.xi_allocmask >> (group - record.xi_startino)
    }
}
