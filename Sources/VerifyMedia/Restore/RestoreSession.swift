import CXFS
import Glibc

/// One restore run: compares every damaged file with its backup, groups
/// the damaged blocks by where they are on the device (a reflinked block
/// is one group with several owners), then restores group by group.
struct RestoreSession {
    let restorer: Restorer
    let root: FileDescriptor
    let handle: RootHandle
    private var verdicts: [UInt64: BackupVerdict] = [:]
    private var names: [UInt64: [RawPath]] = [:]
    private var entries: [LogEntry] = []

    /// One filesystem block of a file.
    struct FileBlock: Hashable {
        let inode: UInt64
        let generation: UInt32
        let offset: UInt64
    }

    /// A damaged block of the device and the file blocks that showed it damaged.
    struct Group {
        let device: DeviceRole
        let physical: UInt64
        var reported: [FileBlock] = []
        var shared = false
    }

    init(restorer: Restorer, root: FileDescriptor, handle: RootHandle) {
        self.restorer = restorer
        self.root = root
        self.handle = handle
    }

    private var block: UInt64 { UInt64(restorer.blockSize) }
    private var mountPoint: String { restorer.filesystem.mountPoint }

    mutating func run(_ files: [DamagedFile]) -> [LogEntry] {
        let comparison = BackupComparison(backupDirectory: restorer.options.backupDirectory, mountPoint: mountPoint,
                                          blockSize: restorer.blockSize)
        var groups: [String: Group] = [:]
        var order: [String] = []
        for file in files {
            names[file.inode] = file.paths
            let fd: FileDescriptor
            do {
                fd = try handle.open(inode: file.inode, generation: file.generation, flags: O_RDONLY | CXFS_O_DIRECT, root: root)
            } catch {
                entries.append(restorer.entry("\(describe(file.inode, file.generation)): not restored: cannot open it (\(error)); nothing written",
                                              .error, "refused", [.init("XVM_INODE", String(file.inode))]))
                continue
            }
            defer { fd.close() }
            let verdict = comparison.compare(file: fd, paths: file.paths)
            verdicts[file.inode] = verdict
            var offsets = Set(file.ranges.flatMap { range in
                stride(from: range.start / block * block, to: range.end, by: Int(block)).map { $0 }
            }.filter { $0 < verdict.size })
            if case .matches(let unreadable) = verdict.outcome { offsets.formUnion(unreadable) }
            let device = RestoreSession.isRealtime(fd) ? DeviceRole.rt : .data
            ExtentMapOwners.extents(of: fd, attributeFork: false) { logical, physical, length, flags in
                guard flags & UInt32(FIEMAP_EXTENT_UNWRITTEN) == 0 else { return }
                for offset in offsets where logical <= offset && offset < logical + length {
                    let place = physical + (offset - logical)
                    let key = "\(device) \(place)"
                    if groups[key] == nil {
                        groups[key] = Group(device: device, physical: place)
                        order.append(key)
                    }
                    groups[key]!.reported.append(FileBlock(inode: file.inode, generation: file.generation, offset: offset))
                    if flags & UInt32(FIEMAP_EXTENT_SHARED) != 0 { groups[key]!.shared = true }
                }
            }
        }
        for key in order { restore(groups[key]!) }
        return entries
    }

    // MARK: One group

    private mutating func restore(_ group: Group) {
        let owners = self.owners(of: group)
        let others = { (source: FileBlock) in owners.filter { $0 != source } }
        guard let source = owners.first(where: { verdicts[$0.inode]?.isUsable == true }) else {
            for file in Set(group.reported.map(\.inode)) {
                let reason: String
                switch verdicts[file]?.outcome {
                case .refused(let why)?: reason = why
                default: reason = "no owner of the block has a backup that matches"
                }
                let first = group.reported.first { $0.inode == file }!
                entries.append(restorer.entry("\(describe(file, first.generation)): not restored at data offset \(first.offset): \(reason); nothing written",
                                              .error, "refused", fields(first, group) + [.init("XVM_REASON", reason)]))
            }
            return
        }
        if group.shared && owners.count < 2 {
            entries.append(restorer.entry("\(describe(source.inode, source.generation)): not restored at data offset \(source.offset): the block is shared with files that cannot be found without the reverse-mapping btree (restoring it would unshare it); nothing written",
                                          .error, "refused", fields(source, group)))
            return
        }
        guard let verdict = verdicts[source.inode], let backupPath = verdict.backupPath, source.offset < verdict.size else { return }
        let backup = TextEscaping.escape(backupPath.bytes)
        let length = min(block, verdict.size - source.offset)
        let sharing = others(source).map { describe($0.inode, $0.generation) }
        let shared = sharing.isEmpty ? "" : "; it is shared with \(sharing.joined(separator: ", "))"
        if !restorer.options.commit {
            entries.append(restorer.entry("\(describe(source.inode, source.generation)): would restore data offset \(source.offset) length \(length) from \(backup) (the backup matches every readable byte)\(shared)",
                                          .notice, "would_restore", fields(source, group) + [.init("XVM_BACKUP", backup)]))
            return
        }
        do throws(RestoreFailure) {
            let moved = try write(source, group: group, verdict: verdict, backup: backupPath, others: others(source))
            var text = "\(describe(source.inode, source.generation)): restored data offset \(source.offset) length \(length) from \(backup), reads back identical"
            if !sharing.isEmpty { text += ", shared again with \(sharing.joined(separator: ", "))" }
            text += "; " + sectorVerdict(group, movedTo: moved)
            entries.append(restorer.entry(text, .notice, "restored", fields(source, group) + [.init("XVM_BACKUP", backup)]
                                          + (moved.map { [.init("XVM_NEW_DADDR", String($0 >> 9))] } ?? [])))
        } catch {
            entries.append(restorer.entry("\(describe(source.inode, source.generation)): restoring data offset \(source.offset) failed: \(error.description)",
                                          .error, error.wroteNothing ? "refused" : "failed", fields(source, group)))
        }
    }

    /// Every file block on the group's device block: from the reverse
    /// mappings (GETFSMAP) when the filesystem has them, else the blocks
    /// the report named.
    private mutating func owners(of group: Group) -> [FileBlock] {
        let bad = BadRange(device: group.device, range: ByteRange(group.physical, group.physical + block), error: .EIO)
        guard restorer.filesystem.geometry.hasRmapbt, let found = try? OwnerLookup(filesystem: restorer.filesystem).owners(of: bad) else {
            return group.reported
        }
        var blocks: [FileBlock] = []
        for case .file(let owner) in found where owner.fork == .data && !owner.unwritten {
            guard let offset = owner.fileOffset else { continue }
            if let known = group.reported.first(where: { $0.inode == owner.inode && $0.offset == offset }) {
                blocks.append(known)
            } else if let status = try? InodeStatus.read(owner.inode, filesystem: restorer.filesystem) {
                blocks.append(FileBlock(inode: owner.inode, generation: status.generation, offset: offset))
                if names[owner.inode] == nil {
                    names[owner.inode] = PathResolver(filesystem: restorer.filesystem)
                        .paths(for: [owner.inode: status], unreadable: [])[owner.inode] ?? []
                }
            }
        }
        return blocks.isEmpty ? group.reported : blocks
    }

    // MARK: Writing

    struct RestoreFailure: Error, CustomStringConvertible {
        let description: String
        /// True when the failure came before anything was written.
        let wroteNothing: Bool
    }

    /// Writes the backup's block through `source`, clones it into `others`,
    /// reads every owner back; returns where the block is now when copy on
    /// write moved it.
    private func write(_ source: FileBlock, group: Group, verdict: BackupVerdict, backup: RawPath,
                       others: [FileBlock]) throws(RestoreFailure) -> UInt64? {
        func refuse(_ text: String) -> RestoreFailure { RestoreFailure(description: text + "; nothing written", wroteNothing: true) }
        func fail(_ text: String) -> RestoreFailure { RestoreFailure(description: text, wroteNothing: false) }
        let file: FileDescriptor
        do {
            file = try handle.open(inode: source.inode, generation: source.generation, flags: O_RDWR | CXFS_O_DIRECT, root: root)
        } catch {
            throw refuse("cannot open it for writing (\(error))")
        }
        defer { file.close() }
        guard let before = try? file.stat(), UInt64(before.st_size) == verdict.size,
              before.st_mtim.tv_sec == verdict.modified.tv_sec, before.st_mtim.tv_nsec == verdict.modified.tv_nsec else {
            throw refuse("the file changed since it was compared with the backup")
        }
        guard physical(of: file, at: source.offset) == group.physical else {
            throw refuse("the block moved since the damage was found")
        }
        let data = AlignedBuffer(count: Int(block))
        memset(data.pointer, 0, Int(block))
        let length = Int(min(block, verdict.size - source.offset))
        guard let backupFile = try? FileDescriptor.open(backup, O_RDONLY | O_NOFOLLOW),
              (try? backupFile.closeAfter { (fd) throws(Errno) in try fd.read(into: data.pointer, count: length, at: source.offset) }) == length else {
            throw refuse("cannot read \(TextEscaping.escape(backup.bytes)) at offset \(source.offset)")
        }
        // A whole block with O_DIRECT: the write goes to the disk at once,
        // in place unless the block is shared. Past the end of the file the
        // block holds zeros, as XFS keeps it; the size is set back below.
        let written = (try? file.write(data.pointer, count: Int(block), at: source.offset)) ?? -1
        guard written == Int(block) else { throw fail("writing it failed: \(Errno.current)") }
        if source.offset + block > verdict.size { _ = ftruncate(file.rawValue, off_t(verdict.size)) }
        _ = fdatasync(file.rawValue)
        RestoreSession.keepTimes(file, before)
        var unshared: [String] = []
        for other in others {
            if let error = clone(from: file, to: other, offset: source.offset, length: UInt64(length), sourceSize: verdict.size) {
                unshared.append("\(describe(other.inode, other.generation)) (\(error))")
            }
        }
        if !unshared.isEmpty { throw fail("the restored block could not be shared again with \(unshared.joined(separator: ", ")), which keep the damaged block") }
        for owner in [source] + others where !readsBack(owner, expected: data, length: length) {
            throw fail("\(describe(owner.inode, owner.generation)) does not read back identical at data offset \(owner.offset)")
        }
        let now = physical(of: file, at: source.offset)
        return now == group.physical ? nil : now
    }

    private func clone(from source: FileDescriptor, to other: FileBlock, offset: UInt64, length: UInt64, sourceSize: UInt64) -> Errno? {
        let target: FileDescriptor
        do {
            target = try handle.open(inode: other.inode, generation: other.generation, flags: O_WRONLY, root: root)
        } catch {
            return error
        }
        defer { target.close() }
        guard let before = try? target.stat() else { return .current }
        var range = file_clone_range()
        range.src_fd = Int64(source.rawValue)
        range.src_offset = offset
        // A partial block may only be cloned as the end of the source file.
        range.src_length = offset + block > sourceSize ? 0 : block
        range.dest_offset = other.offset
        do {
            try target.ioctl(CXFS_FICLONERANGE, &range)
        } catch {
            return error
        }
        RestoreSession.keepTimes(target, before)
        return nil
    }

    private func readsBack(_ owner: FileBlock, expected: AlignedBuffer, length: Int) -> Bool {
        guard let fd = try? handle.open(inode: owner.inode, generation: owner.generation, flags: O_RDONLY | CXFS_O_DIRECT, root: root) else {
            return false
        }
        defer { fd.close() }
        let buffer = AlignedBuffer(count: Int(block))
        guard let count = try? fd.read(into: buffer.pointer, count: Int(block), at: owner.offset), count >= length else { return false }
        return memcmp(buffer.pointer, expected.pointer, length) == 0
    }

    /// Verifies the sectors the restored data is on now.
    private func sectorVerdict(_ group: Group, movedTo: UInt64?) -> String {
        let place = movedTo ?? group.physical
        let range = ByteRange(place, place + block)
        let where_ = "\(group.device) device daddr \(range.start >> 9)-\((range.end >> 9) - 1)"
        var verdict = "not verified"
        if let verifier = restorer.verifier {
            if let report = try? verifier.verify([group.device: [range]], filesystem: restorer.filesystem, stop: StopSignal()) {
                verdict = report.badRanges.isEmpty && report.scan.complete ? "reads good" : "still fails to read"
            }
        }
        guard movedTo != nil else { return "\(where_) rewritten in place, \(verdict)" }
        return "the block moved to \(where_), which \(verdict); the damaged block (daddr \(group.physical >> 9)-\(((group.physical + block) >> 9) - 1)) was released and is remapped when next written"
    }

    // MARK: Helpers

    private func describe(_ inode: UInt64, _ generation: UInt32) -> String {
        firstName(inode).map { TextEscaping.escape($0.bytes) } ?? "\(TextEscaping.escape(mountPoint)) inode \(inode) gen \(generation)"
    }

    private func firstName(_ inode: UInt64) -> RawPath? {
        names[inode]?.min { $0.bytes.lexicographicallyPrecedes($1.bytes) }
    }

    private func fields(_ block: FileBlock, _ group: Group) -> [LogEntry.Field] {
        var fields: [LogEntry.Field] = [.init("XVM_INODE", String(block.inode)), .init("XVM_GENERATION", String(block.generation)),
                                        .init("XVM_OFFSET", String(block.offset)), .init("XVM_DEVICE", group.device.rawValue),
                                        .init("XVM_START_DADDR", String(group.physical >> 9))]
        if let path = firstName(block.inode) { fields.append(.init("XVM_PATH", path.description)) }
        return fields
    }

    /// The device byte where `offset` of the file is, or nil (hole, unwritten).
    private func physical(of file: FileDescriptor, at offset: UInt64) -> UInt64? {
        var found: UInt64?
        ExtentMapOwners.extents(of: file, attributeFork: false) { logical, physical, length, flags in
            if found == nil, logical <= offset, offset < logical + length, flags & UInt32(FIEMAP_EXTENT_UNWRITTEN) == 0 {
                found = physical + (offset - logical)
            }
        }
        return found
    }

    static func isRealtime(_ fd: FileDescriptor) -> Bool {
        var attributes = fsxattr()
        return (try? fd.ioctl(CXFS_FS_IOC_FSGETXATTR, &attributes)) != nil && attributes.fsx_xflags & UInt32(FS_XFLAG_REALTIME) != 0
    }

    /// Leaves access and modification times as they were: the contents are
    /// the same as before the damage.
    static func keepTimes(_ fd: FileDescriptor, _ before: stat) {
        var times = [before.st_atim, before.st_mtim]
        _ = futimens(fd.rawValue, &times)
    }
}
