/// Who owns a bad range: a file (and where in it), a kind of metadata,
/// free space, or nobody known.
public enum Owner: Sendable, Hashable {
    case file(FileOwner)
    case metadata(what: String, group: GroupLocation?)
    case free
    case unknown
}

/// The allocation group or realtime group a metadata block lives in.
public struct GroupLocation: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case ag, rtgroup
    }
    public var kind: Kind
    public var number: Int
}

public enum Fork: String, Sendable, Codable {
    /// File contents.
    case data
    /// Extended attributes.
    case attr
    /// The file's extent map (bmbt blocks).
    case bmbt
    /// The file's inode itself, in an inode chunk.
    case inode
}

public struct FileOwner: Sendable, Hashable {
    public var inode: UInt64
    /// From bulkstat; nil when the inode no longer exists or cannot be read.
    public var generation: UInt32?
    public var fork: Fork
    /// Byte offset in the file of the first bad byte (data fork only).
    public var fileOffset: UInt64?
    /// Bad bytes of this owner.
    public var length: UInt64
    /// Preallocated, never written: nothing is lost there.
    public var unwritten: Bool
    /// Every name of the file; empty when none was found.
    public var paths: [RawPath]
    /// The file is open but has no name any more.
    public var unlinked: Bool
    /// Its inode could not be read (bad sectors in the inode chunk): the
    /// names come from the directory entries that refer to it, and the
    /// generation and link count are unknown.
    public var inodeUnreadable: Bool = false

    /// Written file contents are gone: exit bit 2.
    public var isDataLoss: Bool { fork == .data && !unwritten }
}

/// A bad range with its owners, as the report shows it.
public struct OwnedBadRange: Sendable {
    public var bad: BadRange
    public var owners: [Owner]
    /// Against the history of earlier scans; nil without history.
    public var status: HistoryStatus?
}
