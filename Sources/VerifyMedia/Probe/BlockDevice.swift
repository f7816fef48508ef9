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
/// A zoned filesystem may keep its realtime section on the data device:
/// then two of these name the same block device, each with its own
/// `section`. Offsets are always from the start of the block device, as
/// the kernel counts them (GETFSMAP, XFS_IOC_VERIFY_MEDIA, FIEMAP and the
/// health monitor alike), so that a daddr in the report is one the user can
/// hand to dd or hdparm for `path`.
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
    /// The bytes of the block device that belong to this role: all of it,
    /// except on a zoned filesystem with an internal realtime section,
    /// where the data section ends and the rt section begins at `rtstart`.
    public let section: ByteRange
    /// A zoned block device (host-managed or host-aware): realtime groups
    /// start at zone boundaries there, which may leave gaps between them.
    public let isZoned: Bool
    /// The largest request the block layer makes for it (queue/max_sectors_kb),
    /// if known: reads are split into requests of this size, and adjacent
    /// reads are merged into requests no larger.
    public let maxRequestBytes: UInt64?

    public init(role: DeviceRole, path: String, major: UInt32, minor: UInt32, logicalSectorSize: Int, size: UInt64,
                rotational: Bool, sysfsPath: String, section: ByteRange? = nil, isZoned: Bool = false,
                maxRequestBytes: UInt64? = nil) {
        self.role = role
        self.path = path
        self.major = major
        self.minor = minor
        self.logicalSectorSize = logicalSectorSize
        self.size = size
        self.rotational = rotational
        self.sysfsPath = sysfsPath
        self.section = section ?? ByteRange(0, size)
        self.isZoned = isZoned
        self.maxRequestBytes = maxRequestBytes
    }

    public var dev: String { "\(major):\(minor)" }

    /// True when this role has only part of its block device (the data and
    /// rt sections of a zoned filesystem with an internal rt section).
    public var isSection: Bool { section != ByteRange(0, size) }

    /// The same block device in another role, limited to `section`.
    func section(_ role: DeviceRole, _ section: ByteRange) -> BlockDevice {
        BlockDevice(role: role, path: path, major: major, minor: minor, logicalSectorSize: logicalSectorSize, size: size,
                    rotational: rotational, sysfsPath: sysfsPath, section: section.clamped(to: ByteRange(0, size)),
                    isZoned: isZoned, maxRequestBytes: maxRequestBytes)
    }

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
        let zoned = readSysfsValue("\(queue)/zoned").map { $0 != "none" } ?? false
        let maxRequest = readSysfsValue("\(queue)/max_sectors_kb").flatMap { UInt64($0) }.map { $0 << 10 }
        return BlockDevice(role: role, path: path, major: major, minor: minor, logicalSectorSize: Int(sectorSize), size: size,
                           rotational: rotational, sysfsPath: sysfs, isZoned: zoned, maxRequestBytes: maxRequest)
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
