/// The kinds of finding a report logs, each with a MESSAGE_ID of its own
/// (the journal's catalog key): an admin asks `journalctl MESSAGE_ID=…`
/// for every file range lost, on every filesystem, whatever the wording.
/// The ids are fixed forever; the man page lists them (JOURNAL).
public enum FindingKind: String, Sendable, CaseIterable {
    /// Written file contents in a bad range.
    case fileDataLost = "080c2a1acc434adb92859f6cb88f1ac7"
    /// Filesystem metadata, or a file's own (attributes, extent map, inode).
    case metadataDamaged = "d4b77c3126354c66888676528f9c0cde"
    /// An inode chunk went bad: the file is named from its directory entries.
    case inodeUnreadable = "2be7aa8fb539425d8f2f3a3fac9e7acc"
    /// A media error in free space, an unwritten extent or of no known owner.
    case otherMediaError = "995c6a969d6f497d80a269ccb10b5cdc"
    /// Ranges not verified (transport errors, a device gone, a stop), reads
    /// that succeeded only on retry, and errors of the scan.
    case notVerified = "f52f7299b0a14785b15dc586f636f75b"
    /// The scan's summary, one at its end.
    case summary = "32f5afeade6648248a4daa171d86ce7d"

    public var messageID: String { rawValue }

    /// What a bad range of `owner` is.
    static func of(_ owner: Owner) -> FindingKind {
        switch owner {
        case .file(let file) where file.inodeUnreadable: .inodeUnreadable
        case .file(let file) where file.isDataLoss: .fileDataLost
        case .file(let file): file.fork == .data ? .otherMediaError : .metadataDamaged
        case .metadata: .metadataDamaged
        case .free, .unknown: .otherMediaError
        }
    }
}
