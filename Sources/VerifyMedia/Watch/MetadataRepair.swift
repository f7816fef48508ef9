import CXFS
import Glibc

/// What one online repair call came to, worded as xfs_healer words it.
enum RepairOutcome: Sendable, Equatable {
    case repaired
    case unnecessary
    /// Fixed as far as the kernel can tell, but cross-referencing failed.
    case probablyFixed
    case failed
    /// The kernel cannot repair this online (no online repair, read-only
    /// mount, shut down filesystem...).
    case impossible(Errno)

    /// From the scrub call's output flags, as xfs_healer reads them.
    init(flags: UInt32) {
        if flags & (XFS_SCRUB_OFLAG_CORRUPT | XFS_SCRUB_OFLAG_INCOMPLETE) != 0 {
            self = .failed
        } else if flags & XFS_SCRUB_OFLAG_XFAIL != 0 {
            self = .probablyFixed
        } else if flags & XFS_SCRUB_OFLAG_NO_REPAIR_NEEDED != 0 {
            self = .unnecessary
        } else {
            self = .repaired
        }
    }

    var text: String {
        switch self {
        case .repaired: "Repairs successful."
        case .unnecessary: "No modification needed."
        case .probablyFixed: "Seems correct but cross-referencing failed; offline repair recommended."
        case .failed: "Repair unsuccessful; offline repair required."
        case .impossible(let error): "Cannot repair online: \(error.message) (\(error.name)); offline repair required."
        }
    }

    /// Whether xfs_repair is now the way forward.
    var needsOfflineRepair: Bool {
        switch self {
        case .repaired, .unnecessary: false
        case .probablyFixed, .failed, .impossible: true
        }
    }

    var name: String {
        switch self {
        case .repaired: "repaired"
        case .unnecessary: "unnecessary"
        case .probablyFixed: "probably_fixed"
        case .failed: "failed"
        case .impossible: "impossible"
        }
    }
}

/// Online repair (XFS_IOC_SCRUB_METADATA with XFS_SCRUB_IFLAG_REPAIR) of
/// exactly the structures a sick or corrupt event names: per filesystem,
/// per allocation group or realtime group (by number), per inode (by
/// number and generation, so a reused inode is not touched).
enum MetadataRepair {
    struct Attempt: Sendable {
        let structure: MetadataStructure
        let outcome: RepairOutcome
    }

    /// Repairs each named structure of `event` through `root`, an open
    /// directory of the filesystem. Structures without an online repair
    /// are reported as such.
    static func repair(_ event: HealthEvent, root: FileDescriptor) -> [Attempt] {
        var group: UInt32 = 0, inode: UInt64 = 0, generation: UInt32 = 0, mask: UInt32 = 0
        switch event.payload {
        case .filesystem(let bits): mask = bits
        case .group(let bits, let number): (mask, group) = (bits, number)
        case .inode(let bits, let number, let gen): (mask, inode, generation) = (bits, number, gen)
        default: return []
        }
        return MetadataStructure.named(in: mask, domain: event.domain).map { structure in
            guard let type = structure.scrubType else { return Attempt(structure: structure, outcome: .impossible(.EOPNOTSUPP)) }
            var request = xfs_scrub_metadata()
            request.sm_type = type
            request.sm_flags = XFS_SCRUB_IFLAG_REPAIR
            request.sm_agno = group
            request.sm_ino = inode
            request.sm_gen = generation
            do throws(Errno) {
                try root.ioctl(CXFS_XFS_IOC_SCRUB_METADATA, &request)
                return Attempt(structure: structure, outcome: RepairOutcome(flags: request.sm_flags))
            } catch {
                switch error {
                case .ENOTTY, .EOPNOTSUPP, .EROFS, .ESHUTDOWN, .ENOENT: return Attempt(structure: structure, outcome: .impossible(error))
                default: return Attempt(structure: structure, outcome: .failed)
                }
            }
        }
    }
}

/// The filesystem's `autofsck` property (xfsprogs' fsproperties: the
/// extended attribute trusted.xfs:autofsck of the root directory, set with
/// `xfs_property MNT set autofsck repair`; mkfs.xfs 7.x sets "repair" when
/// the filesystem has reverse mappings and parent pointers). xfs_healer
/// repairs only when it says "repair"; so does watch mode without --repair.
enum AutofsckProperty {
    static let attribute = "trusted.xfs:autofsck"

    /// The value, or nil when unset or unreadable.
    static func value(root: FileDescriptor) -> String? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { fgetxattr(root.rawValue, attribute, $0.baseAddress, $0.count) }
        guard count >= 0 else { return nil }
        var value = String(decoding: buffer[0..<count], as: UTF8.self)
        while value.last == "\0" || value.last == "\n" { value.removeLast() }
        return value
    }
}
