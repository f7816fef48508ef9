import Glibc
import CXFS

/// A mounted XFS filesystem: where it is, its geometry and its devices.
public struct MountedFilesystem: Sendable {
    public let mountPoint: String
    public let geometry: FilesystemGeometry
    public let devices: [BlockDevice]
    /// True when GETFSMAP names devices by XFS_DEV_* cookies instead of
    /// dev_t (zoned filesystems with an internal realtime section).
    let fsmapUsesCookies: Bool

    public func device(_ role: DeviceRole) -> BlockDevice? {
        devices.first { $0.role == role }
    }

    /// The `fmr_device` value GETFSMAP uses for a device of this filesystem.
    func fsmapDeviceNumber(_ device: BlockDevice) -> UInt32 {
        fsmapUsesCookies ? device.role.xfsDevice : device.fsmapDeviceNumber
    }

    /// Whether GETFSMAP describes `bad`: not past the kernel's map of a
    /// zoned rt device with gaps (`RealtimeGroups.mappedEnd`).
    func spaceMapReaches(_ bad: BadRange) -> Bool {
        guard bad.device == .rt, let rt = device(.rt) else { return true }
        return bad.range.end <= RealtimeGroups(geometry: geometry, device: rt).mappedEnd
    }

    /// Opens the mount point for an ioctl. Callers close it as soon as the
    /// call returns, so that the scan never keeps the filesystem busy;
    /// opening fails with ENODEV once the filesystem is no longer mounted
    /// there.
    func openMountPoint() throws(Errno) -> FileDescriptor {
        let fd = try FileDescriptor.open(mountPoint, O_RDONLY | O_DIRECTORY)
        guard isOnFilesystem(fd) else {
            fd.close()
            throw .ENODEV
        }
        return fd
    }

    /// Whether the filesystem is still mounted at `mountPoint`.
    public var isStillMounted: Bool { mountState == .mounted }

    /// What became of the filesystem at `mountPoint`.
    public enum MountState: Sendable, Equatable {
        case mounted
        /// Something else is there now.
        case unmounted
        /// Still mounted, but shut down: XFS answers everything with EIO
        /// (a device removed, a metadata error).
        case shutDown
    }

    public var mountState: MountState {
        var st = Glibc.stat()
        guard stat(mountPoint, &st) == 0 else { return errno == EIO ? .shutDown : .unmounted }
        return DeviceNumber(st.st_dev) == DeviceNumber(major: devices[0].major, minor: devices[0].minor) ? .mounted : .unmounted
    }

    /// Whether `fd` is a file of this filesystem.
    func isOnFilesystem(_ fd: FileDescriptor) -> Bool {
        guard let st = try? fd.stat() else { return false }
        return DeviceNumber(st.st_dev) == DeviceNumber(major: devices[0].major, minor: devices[0].minor)
    }
}

/// Linux dev_t split into major and minor (glibc's encoding).
struct DeviceNumber: Equatable {
    let major: UInt32
    let minor: UInt32

    init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    init(_ dev: dev_t) {
        let value = UInt64(dev)
        major = UInt32(((value >> 8) & 0xfff) | ((value >> 32) & ~UInt64(0xfff)))
        minor = UInt32((value & 0xff) | ((value >> 12) & ~UInt64(0xff)))
    }
}

public enum FilesystemProbe {
    /// Resolves PATH (a mount point, a path inside an XFS mount, or a
    /// mounted XFS block device) to the filesystem and its devices.
    public static func probe(_ path: String) throws(VerifyMediaError) -> MountedFilesystem {
        var st = Glibc.stat()
        guard stat(path, &st) == 0 else {
            let error = Errno.current
            // EIO is no typing mistake: a filesystem shut down answers every call so.
            if error == .EIO { throw .operational("\(path): \(error.message) (a shut-down filesystem, or a failing disk)") }
            throw .usage("\(path): \(error.message)")
        }
        let type = st.st_mode & S_IFMT
        guard type == S_IFBLK || type == S_IFDIR || type == S_IFREG || type == S_IFLNK else {
            let what = type == S_IFCHR ? "a character device" : type == S_IFIFO ? "a FIFO" : type == S_IFSOCK ? "a socket" : "a special file"
            throw .usage("\(path): \(what), not a block device: give a mounted XFS block device, its mount point or a path inside it")
        }
        let mounts = MountTable.read()
        let entry: MountEntry
        if type == S_IFBLK {
            let number = DeviceNumber(st.st_rdev)
            guard let found = mounts.last(where: { $0.major == number.major && $0.minor == number.minor && $0.fsType == "xfs" })
            else {
                throw .usage("\(path): block device is not a mounted XFS filesystem")
            }
            entry = found
        } else {
            entry = try mountEntry(containing: path, device: DeviceNumber(st.st_dev), in: mounts)
        }
        let geometry = try readGeometry(entry.mountPoint)
        let devices = try findDevices(entry, geometry)
        return MountedFilesystem(mountPoint: entry.mountPoint, geometry: geometry, devices: devices,
                                 fsmapUsesCookies: geometry.hasInternalRealtime)
    }

    private static func mountEntry(containing path: String, device: DeviceNumber, in mounts: [MountEntry]) throws(VerifyMediaError) -> MountEntry {
        let resolved = realpath(path, nil).map { pointer -> String in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? path
        // Several entries may share the device (bind mounts); the one whose
        // mount point is the longest prefix of the path is the one we are in.
        let candidates = mounts.filter { $0.major == device.major && $0.minor == device.minor }
            .filter { resolved == $0.mountPoint || resolved.hasPrefix($0.mountPoint == "/" ? "/" : $0.mountPoint + "/") }
        guard let entry = candidates.max(by: { $0.mountPoint.count < $1.mountPoint.count }) else {
            throw .usage("\(path): not on a mounted filesystem")
        }
        guard entry.fsType == "xfs" else {
            throw .usage("\(path): is on \(entry.fsType), not XFS")
        }
        return entry
    }

    private static func readGeometry(_ mountPoint: String) throws(VerifyMediaError) -> FilesystemGeometry {
        do {
            let fd = try FileDescriptor.open(mountPoint, O_RDONLY | O_DIRECTORY)
            defer { fd.close() }
            var geometry = xfs_fsop_geom()
            try fd.ioctl(CXFS_XFS_IOC_FSGEOMETRY, &geometry)
            return FilesystemGeometry(geometry)
        } catch {
            throw .operational("\(mountPoint): cannot read XFS geometry: \(error)")
        }
    }

    private static func findDevices(_ entry: MountEntry, _ geometry: FilesystemGeometry) throws(VerifyMediaError) -> [BlockDevice] {
        guard let dataPath = BlockDevice.nodePath(major: entry.major, minor: entry.minor) else {
            throw .operational("\(entry.mountPoint): cannot find the /dev node of data device \(entry.major):\(entry.minor)")
        }
        let data = try probeDevice(.data, path: dataPath, expected: DeviceNumber(major: entry.major, minor: entry.minor))
        // A zoned filesystem may keep its rt section on the data device,
        // from rtstart on: the data section ends there (as the kernel's
        // data device does for XFS_IOC_VERIFY_MEDIA) and the rt device is
        // the rest of the same block device, addressed from its start.
        let rtStart = geometry.hasInternalRealtime ? min(geometry.rtStartBytes, data.size) : data.size
        var devices = [data.section(.data, ByteRange(0, rtStart))]
        if geometry.hasExternalLog {
            guard let logPath = entry.superOptions["logdev"] else {
                throw .operational("\(entry.mountPoint): external log device not named in the mount options")
            }
            devices.append(try probeDevice(.log, path: logPath, expected: nil))
        }
        if geometry.hasInternalRealtime {
            devices.append(data.section(.rt, ByteRange(rtStart, data.size)))
        } else if geometry.hasRealtime {
            guard let rtPath = entry.superOptions["rtdev"] else {
                throw .operational("\(entry.mountPoint): realtime device not named in the mount options")
            }
            devices.append(try probeDevice(.rt, path: rtPath, expected: nil))
        }
        return devices
    }

    private static func probeDevice(_ role: DeviceRole, path: String, expected: DeviceNumber?) throws(VerifyMediaError) -> BlockDevice {
        var st = Glibc.stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFBLK else {
            throw .operational("\(path): \(role) device is not a block device")
        }
        let number = DeviceNumber(st.st_rdev)
        if let expected, expected != number {
            throw .operational("\(path): is \(number.major):\(number.minor), the filesystem is on \(expected.major):\(expected.minor)")
        }
        do {
            return try BlockDevice.probe(role: role, path: path, major: number.major, minor: number.minor)
        } catch {
            throw .operational("\(path): cannot open \(role) device: \(error)")
        }
    }
}
