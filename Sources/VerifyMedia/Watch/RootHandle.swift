import CXFS
import Glibc

/// The root directory of the watched filesystem, kept as an XFS file
/// handle instead of an open descriptor, so that watching never keeps the
/// filesystem busy (as xfs_healer's "weak handle"). When work needs a
/// descriptor, the mount point is opened again and accepted only if it
/// still has the same handle and the health monitor agrees that it is the
/// monitored filesystem; if the filesystem was moved, its other mounts are
/// tried. The descriptor is closed as soon as the work is done.
struct RootHandle: Sendable {
    /// XFS_IOC_FD_TO_HANDLE of the root directory: filesystem id, inode, generation.
    let handle: [UInt8]
    let device: DeviceNumber
    private(set) var mountPoint: String

    /// The handle of `root`, an open root directory mounted at `mountPoint`.
    init(root: FileDescriptor, mountPoint: String) throws(Errno) {
        handle = try RootHandle.handle(of: root)
        device = DeviceNumber(try root.stat().st_dev)
        self.mountPoint = mountPoint
    }

    /// The first 8 bytes of every handle of this filesystem.
    var filesystemID: UInt64 { handle.withUnsafeBytes { $0.load(as: UInt64.self) } }

    /// Opens the root directory again. Throws ESTALE when the filesystem is
    /// mounted nowhere this process can see any more.
    mutating func reopen(monitor: HealthMonitor?) throws(Errno) -> FileDescriptor {
        let others = MountTable.read().filter {
            $0.major == device.major && $0.minor == device.minor && $0.root == "/" && $0.mountPoint != mountPoint
        }.map(\.mountPoint)
        for candidate in [mountPoint] + others {
            guard let fd = try? FileDescriptor.open(candidate, O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else { continue }
            if (try? RootHandle.handle(of: fd)) == handle, monitor?.isOnMonitoredFilesystem(fd) ?? true {
                mountPoint = candidate
                return fd
            }
            fd.close()
        }
        throw .ESTALE
    }

    /// Opens a file of this filesystem by inode and generation
    /// (XFS_IOC_OPEN_BY_HANDLE, regular files and directories only). ESTALE
    /// when the inode is gone or was reused.
    func open(inode: UInt64, generation: UInt32, flags: Int32, root: FileDescriptor) throws(Errno) -> FileDescriptor {
        var target = xfs_handle()
        withUnsafeMutableBytes(of: &target.ha_u) { $0.storeBytes(of: filesystemID, as: UInt64.self) }
        target.ha_fid.fid_len = UInt16(MemoryLayout<xfs_fid>.size - 2)
        target.ha_fid.fid_gen = generation
        target.ha_fid.fid_ino = inode
        var request = xfs_fsop_handlereq()
        request.oflags = UInt32(bitPattern: flags | O_CLOEXEC)
        request.ihandlen = UInt32(MemoryLayout<xfs_handle>.size)
        let fd = withUnsafeMutablePointer(to: &target) { pointer in
            request.ihandle = UnsafeMutableRawPointer(pointer)
            return withUnsafeMutableBytes(of: &request) { Glibc.ioctl(root.rawValue, CXFS_XFS_IOC_OPEN_BY_HANDLE, $0.baseAddress!) }
        }
        guard fd >= 0 else { throw .current }
        return FileDescriptor(rawValue: fd)
    }

    static func handle(of fd: FileDescriptor) throws(Errno) -> [UInt8] {
        var handle = [UInt8](repeating: 0, count: MemoryLayout<xfs_handle>.size)
        var length = UInt32(handle.count)
        var request = xfs_fsop_handlereq()
        request.fd = UInt32(fd.rawValue)
        let result = handle.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &length) { lengthPointer in
                request.ohandle = bytes.baseAddress
                request.ohandlen = lengthPointer
                return withUnsafeMutableBytes(of: &request) { Glibc.ioctl(fd.rawValue, CXFS_XFS_IOC_FD_TO_HANDLE, $0.baseAddress!) }
            }
        }
        guard result >= 0 else { throw .current }
        return Array(handle.prefix(Int(length)))
    }
}
