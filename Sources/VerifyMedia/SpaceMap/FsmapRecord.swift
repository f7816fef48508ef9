import CXFS

/// One GETFSMAP record: a run of a device and who owns it. Sizes in bytes.
public struct FsmapRecord: Sendable, Equatable {
    public let device: UInt32
    public let flags: UInt32
    public let physical: UInt64
    public let owner: UInt64
    public let offset: UInt64
    public let length: UInt64

    init(_ r: fsmap) {
        device = r.fmr_device
        flags = r.fmr_flags
        physical = r.fmr_physical
        owner = r.fmr_owner
        offset = r.fmr_offset
        length = r.fmr_length
    }

    public init(device: UInt32, flags: UInt32, physical: UInt64, owner: UInt64, offset: UInt64, length: UInt64) {
        self.device = device
        self.flags = flags
        self.physical = physical
        self.owner = owner
        self.offset = offset
        self.length = length
    }

    public var end: UInt64 { physical + length }
    public var isSpecialOwner: Bool { flags & UInt32(FMR_OF_SPECIAL_OWNER) != 0 }
    public var isUnwritten: Bool { flags & UInt32(FMR_OF_PREALLOC) != 0 }
    public var isAttributeFork: Bool { flags & UInt32(FMR_OF_ATTR_FORK) != 0 }
    public var isExtentMap: Bool { flags & UInt32(FMR_OF_EXTENT_MAP) != 0 }
    public var isShared: Bool { flags & UInt32(FMR_OF_SHARED) != 0 }
    public var isLast: Bool { flags & UInt32(FMR_OF_LAST) != 0 }
    public var isFree: Bool { isSpecialOwner && owner == CXFS_XFS_FMR_OWN_FREE }
    public var isUnknownOwner: Bool { isSpecialOwner && owner == CXFS_XFS_FMR_OWN_UNKNOWN }
    /// Written data of a regular file (or directory): what `--scope data` reads.
    public var isFileData: Bool { !isSpecialOwner && !isAttributeFork && !isExtentMap && !isUnwritten }
}

/// Names of XFS special owners, as the report prints them (`what`).
public enum MetadataKind {
    public static func name(ofSpecialOwner owner: UInt64) -> String {
        switch owner {
        case CXFS_XFS_FMR_OWN_FREE: "free"
        case CXFS_XFS_FMR_OWN_UNKNOWN: "unknown"
        case CXFS_XFS_FMR_OWN_FS: "fs"
        case CXFS_XFS_FMR_OWN_LOG: "log"
        case CXFS_XFS_FMR_OWN_AG: "ag"
        case CXFS_XFS_FMR_OWN_INOBT: "inobt"
        case CXFS_XFS_FMR_OWN_INODES: "inodes"
        case CXFS_XFS_FMR_OWN_REFC: "refcountbt"
        case CXFS_XFS_FMR_OWN_COW: "cow"
        case CXFS_XFS_FMR_OWN_DEFECTIVE: "defective"
        default: "owner-\(String(owner, radix: 16))"
        }
    }

    /// Words in the manner of xfs_scrub's report ("inode btree blocks").
    public static func description(of name: String) -> String {
        switch name {
        case "free": "free space"
        case "unknown": "unknown owner"
        case "fs": "static FS metadata"
        case "log": "journalling log"
        case "ag": "per-AG metadata"
        case "inobt": "inode btree blocks"
        case "inodes": "inodes"
        case "refcountbt": "refcount btree"
        case "cow": "CoW staging"
        case "defective": "bad blocks"
        default: name
        }
    }
}
