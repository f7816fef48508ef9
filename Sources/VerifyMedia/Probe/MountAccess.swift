import CXFS
import Glibc

/// The scan's way into the filesystem for ioctls (GETFSMAP,
/// XFS_IOC_VERIFY_MEDIA) without keeping the mount busy, so that `umount`
/// works during a scan; the scan notices the mount is gone and stops with
/// its checkpoint.
///
/// A descriptor of the mount itself would make `umount` fail with EBUSY
/// for as long as it is open, and so would opening the mount point for each
/// call (as xfs_healer does with its weak handle): with a dozen calls in
/// flight at all times, some call always holds it. Instead the scan clones
/// the mount once (open_tree(OPEN_TREE_CLONE), the detached copy `mount
/// --bind` would attach) and opens the copy: the descriptor counts against
/// the copy, never against the mount `umount` is asked to remove. The
/// filesystem stays alive behind the copy until the scan closes it, which
/// it does within moments of seeing the mount gone.
///
/// Where no copy can be made (before Linux 5.2; under a seccomp filter
/// that forbids it) each call opens the mount point and closes it again,
/// and an `umount` racing with a call fails with EBUSY.
final class MountAccess: Sendable {
    let filesystem: MountedFilesystem
    private let clone: FileDescriptor?

    /// `detached`: make the copy (a scan); false for a few calls (owner
    /// lookup after the scan), which open the mount point each time.
    init(filesystem: MountedFilesystem, detached: Bool = true) {
        self.filesystem = filesystem
        clone = detached ? MountAccess.openClone(of: filesystem) : nil
    }

    deinit { clone?.close() }

    /// Whether calls go through a detached copy of the mount.
    var isDetached: Bool { clone != nil }

    /// Runs `body` with a descriptor of a directory of the filesystem.
    @discardableResult
    func withDescriptor<Value>(_ body: (FileDescriptor) throws(Errno) -> Value) throws(Errno) -> Value {
        if let clone { return try body(clone) }
        let fd = try filesystem.openMountPoint()
        defer { fd.close() }
        return try body(fd)
    }

    private static func openClone(of filesystem: MountedFilesystem) -> FileDescriptor? {
        let tree = CXFS_open_tree_clone(AT_FDCWD, filesystem.mountPoint)
        guard tree >= 0 else { return nil }
        defer { Glibc.close(tree) }
        let fd = openat(tree, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        let descriptor = FileDescriptor(rawValue: fd)
        guard filesystem.isOnFilesystem(descriptor) else {
            descriptor.close()
            return nil
        }
        return descriptor
    }
}
