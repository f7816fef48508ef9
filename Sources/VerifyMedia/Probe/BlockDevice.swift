import Glibc
import CXFS

/// The three devices an XFS filesystem can span, named as in the report
/// and as `enum xfs_device` numbers them.
public enum DeviceRole: String, Codable, Sendable, CaseIterable, Comparable {
    case data, log, rt

    var xfsDevice: UInt32 {
        switch self {
        case .data: UInt32(XFS_DEV_DATA.rawValue)
        case .log: UInt32(XFS_DEV_LOG.rawValue)
        case .rt: UInt32(XFS_DEV_RT.rawValue)
        }
    }

    public static func < (a: DeviceRole, b: DeviceRole) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// A block device under the filesystem, with what the scan needs to read
/// it well: sector size for O_DIRECT alignment, size, and whether it spins.
public struct BlockDevice: Sendable {
    public let role: DeviceRole
    public let path: String
    public let major: UInt32
    public let minor: UInt32
    public let logicalSectorSize: Int
    public let size: UInt64
    public let rotational: Bool
    /// /sys/dev/block/MAJ:MIN, for queue limits and in-flight counters.
    public let sysfsPath: String

    public var dev: String { "\(major):\(minor)" }

    /// False once the kernel has removed the device (hot unplug, a dead
    /// disk dropped by its driver): its sysfs node goes with it.
    public var isPresent: Bool { access(sysfsPath, F_OK) == 0 }

    /// How GETFSMAP numbers this device in `fmr_device` (new_encode_dev).
    var fsmapDeviceNumber: UInt32 {
        (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
    }

    /// Opens the device node and reads its sector size and capacity.
    static func probe(role: DeviceRole, path: String, major: UInt32, minor: UInt32) throws(Errno) -> BlockDevice {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        defer { fd.close() }
        var sectorSize: Int32 = 512
        try fd.ioctl(CXFS_BLKSSZGET, &sectorSize)
        var size: UInt64 = 0
        try fd.ioctl(CXFS_BLKGETSIZE64, &size)
        let sysfs = "/sys/dev/block/\(major):\(minor)"
        // A partition has no queue/ of its own; its disk's is one level up.
        let queue = readSysfsValue("\(sysfs)/queue/rotational") != nil ? "\(sysfs)/queue" : "\(sysfs)/../queue"
        let rotational = readSysfsValue("\(queue)/rotational") == "1"
        return BlockDevice(role: role, path: path, major: major, minor: minor,
                           logicalSectorSize: Int(sectorSize), size: size, rotational: rotational, sysfsPath: sysfs)
    }

    /// The /dev node of MAJ:MIN, from sysfs' uevent (DEVNAME=loop0).
    static func nodePath(major: UInt32, minor: UInt32) -> String? {
        guard let uevent = readTextFile("/sys/dev/block/\(major):\(minor)/uevent") else { return nil }
        for line in uevent.split(separator: "\n") where line.hasPrefix("DEVNAME=") {
            return "/dev/" + line.dropFirst("DEVNAME=".count)
        }
        return nil
    }
}
