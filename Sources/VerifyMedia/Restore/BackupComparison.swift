import CXFS
import Glibc

/// What restore needs to know about one damaged file before it may write:
/// whether its backup copy is byte-identical on every byte of the file that
/// can still be read, and which blocks cannot be read.
struct BackupVerdict: Sendable {
    enum Outcome: Sendable, Equatable {
        /// The backup matches every readable byte; `unreadable` lists the
        /// file's blocks (offsets) that cannot be read.
        case matches(unreadable: [UInt64])
        /// Why the backup must not be used; nothing is written.
        case refused(String)
    }

    let backupPath: RawPath?
    let outcome: Outcome
    /// The file as compared, to notice a change before writing.
    let size: UInt64
    let modified: timespec

    var isUsable: Bool { if case .matches = outcome { true } else { false } }
}

/// Compares a file of the filesystem (opened by handle, read with O_DIRECT
/// so that the page cache cannot hide what the disk holds) with its copy
/// at the same relative path under the backup directory.
struct BackupComparison {
    let backupDirectory: String
    let mountPoint: String
    let blockSize: Int

    /// The backup of a file with these names: the first name under the
    /// mount point whose copy exists.
    func backupPath(for paths: [RawPath]) -> RawPath? {
        let prefix = Array((mountPoint == "/" ? "/" : mountPoint + "/").utf8)
        let directory = RawPath(backupDirectory.hasSuffix("/") ? String(backupDirectory.dropLast()) : backupDirectory)
        let candidates = paths.compactMap { path -> RawPath? in
            guard path.bytes.starts(with: prefix) else { return nil }
            return directory.appending(path.bytes.dropFirst(prefix.count))
        }
        return candidates.first { $0.withCString { access($0, F_OK) } == 0 } ?? candidates.first
    }

    func compare(file: FileDescriptor, paths: [RawPath]) -> BackupVerdict {
        guard let st = try? file.stat() else {
            return BackupVerdict(backupPath: nil, outcome: .refused("cannot stat the file"), size: 0, modified: timespec())
        }
        let size = UInt64(st.st_size)
        func verdict(_ backup: RawPath?, _ outcome: BackupVerdict.Outcome) -> BackupVerdict {
            BackupVerdict(backupPath: backup, outcome: outcome, size: size, modified: st.st_mtim)
        }
        guard st.st_mode & S_IFMT == S_IFREG else { return verdict(nil, .refused("not a regular file")) }
        guard let backupPath = backupPath(for: paths) else {
            return verdict(nil, .refused(paths.isEmpty ? "the file has no name to find its backup by" : "not below \(mountPoint)"))
        }
        let shown = TextEscaping.escape(backupPath.bytes)
        guard let backup = try? FileDescriptor.open(backupPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY) else {
            return verdict(backupPath, .refused("no backup at \(shown): \(Errno.current.message)"))
        }
        defer { backup.close() }
        guard let backupStat = try? backup.stat(), backupStat.st_mode & S_IFMT == S_IFREG else {
            return verdict(backupPath, .refused("backup \(shown) is not a regular file"))
        }
        let backupSize = UInt64(backupStat.st_size)
        if backupSize != size {
            let relation = backupSize < size ? "shorter" : "longer"
            return verdict(backupPath, .refused("backup \(shown) is \(relation) (\(backupSize) bytes, the file has \(size))"))
        }
        let outcome = compareContents(file: file, backup: backup, backupPath: shown, size: size)
        if case .matches = outcome, let after = try? file.stat(),
           after.st_size != st.st_size || after.st_mtim.tv_sec != st.st_mtim.tv_sec || after.st_mtim.tv_nsec != st.st_mtim.tv_nsec {
            return verdict(backupPath, .refused("the file changed while it was compared"))
        }
        return verdict(backupPath, outcome)
    }

    private func compareContents(file: FileDescriptor, backup: FileDescriptor, backupPath: String, size: UInt64) -> BackupVerdict.Outcome {
        let chunk = 1 << 20
        let mine = AlignedBuffer(count: chunk), theirs = AlignedBuffer(count: chunk)
        var unreadable: [UInt64] = []
        var offset: UInt64 = 0
        while offset < size {
            let length = Int(min(UInt64(chunk), size - offset))
            let fromBackup = readFully(backup, theirs.pointer, length, at: offset)
            guard fromBackup.count == length else {
                return .refused("backup \(backupPath) cannot be read at offset \(offset + UInt64(fromBackup.count)): "
                                + (fromBackup.error?.description ?? "it ends early"))
            }
            // The file in whole blocks (O_DIRECT), block by block where that fails.
            let aligned = (length + blockSize - 1) / blockSize * blockSize
            if readFully(file, mine.pointer, aligned, at: offset).count < length {
                for block in stride(from: 0, to: length, by: blockSize) {
                    let part = min(blockSize, length - block)
                    let read = readFully(file, mine.pointer + block, blockSize, at: offset + UInt64(block))
                    guard read.count < part else { continue }
                    // Only the medium failing makes a block damaged; anything
                    // else (EINVAL, ENOMEM...) must not look like damage.
                    guard let error = read.error, ErrorClass(error) == .media else {
                        return .refused("cannot read the file at offset \(offset + UInt64(block)): \(read.error?.description ?? "it ends early")")
                    }
                    unreadable.append(offset + UInt64(block))
                    memcpy(mine.pointer + block, theirs.pointer + block, part)
                }
            }
            if memcmp(mine.pointer, theirs.pointer, length) != 0 {
                let at = (0..<length).first { mine.pointer.load(fromByteOffset: $0, as: UInt8.self) != theirs.pointer.load(fromByteOffset: $0, as: UInt8.self) } ?? 0
                return .refused("backup \(backupPath) differs at offset \(offset + UInt64(at))")
            }
            offset += UInt64(length)
        }
        return .matches(unreadable: unreadable)
    }

    /// Reads until `count` bytes, end of file or an error.
    private func readFully(_ fd: FileDescriptor, _ buffer: UnsafeMutableRawPointer, _ count: Int,
                           at offset: UInt64) -> (count: Int, error: Errno?) {
        var done = 0
        while done < count {
            do throws(Errno) {
                let n = try fd.read(into: buffer + done, count: count - done, at: offset + UInt64(done))
                if n == 0 { break }
                done += n
            } catch {
                return (done, error)
            }
        }
        return (done, nil)
    }
}
