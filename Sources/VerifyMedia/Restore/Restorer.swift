import CXFS
import Glibc

/// `--restore-from DIR`: where the backup is, and whether to write.
public struct RestoreOptions: Sendable {
    public var backupDirectory: String
    /// Write (`--yes`); otherwise only say what would be restored.
    public var commit: Bool

    public init(backupDirectory: String, commit: Bool) {
        self.backupDirectory = backupDirectory
        self.commit = commit
    }
}

/// Restores file data lost to bad sectors from a backup, block by block
/// (filesystem blocks), only from a backup copy that is byte-identical to
/// the file on every byte that can still be read.
///
/// A block owned by one file is written in place through the file
/// (O_DIRECT): the write reaches the bad sectors, which lets the drive
/// remap them, and the sectors are verified again. A block shared by
/// several files (reflinks) cannot be overwritten in place through the
/// filesystem, and writing it through one owner would leave the others
/// on the bad block. So it is written once through an owner whose backup
/// matches (copy on write gives it a new block) and then cloned into every
/// other owner (FICLONERANGE): all owners share the restored block again,
/// and the damaged block, now unused, is released to free space, where
/// the drive remaps it when it is next written. Sizes, atimes and mtimes
/// of the files stay as they were; the contents are what they should be.
public struct Restorer {
    let filesystem: MountedFilesystem
    let options: RestoreOptions
    /// Verifies the restored blocks' sectors; nil to skip.
    let verifier: RangeVerifier?

    init(filesystem: MountedFilesystem, options: RestoreOptions, verifier: RangeVerifier?) {
        self.filesystem = filesystem
        self.options = options
        self.verifier = verifier
    }

    /// With the engine a scan used.
    public init(filesystem: MountedFilesystem, options: RestoreOptions, engine: EngineKind) {
        self.init(filesystem: filesystem, options: options, verifier: RangeVerifier(engine: engine, options: ScanOptions()))
    }

    /// Restores what `report` found lost; one entry per block group and outcome.
    public func restore(_ report: Report) -> [LogEntry] {
        let damaged = DamagedFile.collect(report)
        guard !damaged.isEmpty else { return [] }
        let root: FileDescriptor
        let handle: RootHandle
        do {
            root = try filesystem.openMountPoint()
            handle = try RootHandle(root: root, mountPoint: filesystem.mountPoint)
        } catch {
            return [entry("\(filesystem.mountPoint): cannot restore: \(error)", .error, "failed")]
        }
        defer { root.close() }
        var session = RestoreSession(restorer: self, root: root, handle: handle)
        return session.run(damaged)
    }

    var blockSize: Int { Int(filesystem.geometry.blockSize) }

    func entry(_ message: String, _ priority: LogPriority, _ outcome: String, _ fields: [LogEntry.Field] = []) -> LogEntry {
        LogEntry(message, priority: priority, fields: [.init("XVM_EVENT", "restore"), .init("XVM_OUTCOME", outcome),
                                                       .init("XVM_MOUNTPOINT", filesystem.mountPoint)] + fields)
    }
}

/// A file the report says lost data: its identity, names and damaged bytes.
struct DamagedFile {
    let inode: UInt64
    let generation: UInt32
    let paths: [RawPath]
    /// Byte ranges of the file.
    var ranges: [ByteRange]

    static func collect(_ report: Report) -> [DamagedFile] {
        var files: [UInt64: DamagedFile] = [:]
        var order: [UInt64] = []
        for case .file(let owner) in report.badRanges.flatMap(\.owners) where owner.isDataLoss {
            guard let generation = owner.generation, let offset = owner.fileOffset else { continue }
            let range = ByteRange(offset, offset + owner.length)
            if files[owner.inode] == nil {
                files[owner.inode] = DamagedFile(inode: owner.inode, generation: generation, paths: owner.paths, ranges: [])
                order.append(owner.inode)
            }
            files[owner.inode]!.ranges.append(range)
        }
        return order.map { files[$0]! }
    }
}
