import CXFS

/// What bulkstat says about an inode: its generation, so that a reused
/// inode number is not blamed, and its link count, so that an open but
/// unlinked file is named as such.
struct InodeStatus: Sendable {
    let generation: UInt32
    let links: UInt32
    let isDirectory: Bool

    /// Errors of bulkstat that mean the inode itself could not be read:
    /// its inode cluster failed to read (the block layer's errors, as the
    /// scan classifies them) or failed XFS's checks (EFSCORRUPTED is
    /// EUCLEAN, EFSBADCRC is EBADMSG).
    static let unreadableErrors: Set<Errno> = [.EIO, .ENODATA, .EILSEQ, .ETIMEDOUT, .ETIME, .ENOLINK,
                                                .EREMOTEIO, .EUCLEAN, .EBADMSG]

    /// nil when the inode is no longer allocated.
    static func read(_ inode: UInt64, filesystem: MountedFilesystem) throws(Errno) -> InodeStatus? {
        let size = MemoryLayout<xfs_bulk_ireq>.size + MemoryLayout<xfs_bulkstat>.size
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        let header = buffer.assumingMemoryBound(to: xfs_bulk_ireq.self)
        header.pointee.ino = inode
        header.pointee.icount = 1
        let fd = try filesystem.openMountPoint()
        defer { fd.close() }
        try fd.ioctl(CXFS_XFS_IOC_BULKSTAT, buffer)
        guard header.pointee.ocount == 1 else { return nil }
        let stat = (buffer + MemoryLayout<xfs_bulk_ireq>.size).assumingMemoryBound(to: xfs_bulkstat.self).pointee
        // Bulkstat returns the first allocated inode at or after the one asked.
        guard stat.bs_ino == inode else { return nil }
        return InodeStatus(generation: stat.bs_gen, links: stat.bs_nlink, isDirectory: stat.bs_mode & 0o170000 == 0o040000)
    }
}
