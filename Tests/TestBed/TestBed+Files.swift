// Making files with known contents and layouts on a test bed, and asking
// XFS where they are.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension TestBed {
    /// Writes `size` bytes of `patternBytes(count: size, seed: seed)` to
    /// `relative` (created or truncated), fsyncs it, creates parent directories.
    public func writeFile(_ relative: String, size: Int, seed: UInt64 = 1) throws {
        let path = self.path(relative)
        try makeParent(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TestBedError("open \(path): \(errnoText())") }
        defer { close(fd) }
        let chunk = 1 << 20
        var offset = 0
        while offset < size {
            let n = min(chunk, size - offset)
            try writeAll(fd, patternBytes(offset: offset, count: n, seed: seed), path: path)
            offset += n
        }
        guard fsync(fd) == 0 else { throw TestBedError("fsync \(path): \(errnoText())") }
    }

    /// Writes a file of `extents * extentSize` pattern bytes (seed 1, as
    /// `writeFile`) made of at least `extents` separate extents: each chunk
    /// is written with O_DIRECT and fsync'd, alternating with a block of a
    /// filler file that is deleted at the end. `extentSize` must be a
    /// multiple of 4096. When fragmented free space lets XFS merge chunks
    /// anyway, the attempt is kept aside (plugging those holes) and the file
    /// is written again; throws after 5 attempts.
    public func writeFragmentedFile(_ relative: String, extents: Int, extentSize: Int) throws {
        guard extentSize > 0, extentSize % 4096 == 0 else {
            throw TestBedError("writeFragmentedFile: extentSize \(extentSize) is not a multiple of 4096")
        }
        let path = self.path(relative)
        try makeParent(path)
        let directory = (path as NSString).deletingLastPathComponent
        let tag = UUID().uuidString.prefix(8)
        var junk: [String] = []
        defer { junk.forEach { unlink($0) } }
        for attempt in 1...5 {
            let filler = directory + "/.filler-\(tag)-\(attempt)"
            junk.append(filler)
            try writeInterleaved(path, filler: filler, chunks: extents, chunkSize: extentSize)
            let got = try fileExtents(relative).count
            if got >= extents { return }
            guard attempt < 5 else {
                throw TestBedError("writeFragmentedFile: \(path) has \(got) extents, wanted \(extents)")
            }
            let aside = directory + "/.fragmented-\(tag)-\(attempt)"
            guard rename(path, aside) == 0 else { throw TestBedError("rename \(path): \(errnoText())") }
            junk.append(aside)
        }
    }

    private func writeInterleaved(_ path: String, filler fillerPath: String, chunks: Int, chunkSize: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | openDirectFlag | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw TestBedError("open \(path): \(errnoText())") }
        defer { close(fd) }
        let filler = open(fillerPath, O_WRONLY | O_CREAT | O_TRUNC | openDirectFlag | O_CLOEXEC, 0o644)
        guard filler >= 0 else { throw TestBedError("open \(fillerPath): \(errnoText())") }
        defer { close(filler) }
        var buffer: UnsafeMutableRawPointer?
        guard posix_memalign(&buffer, 4096, chunkSize) == 0, let buffer else { throw TestBedError("posix_memalign failed") }
        defer { free(buffer) }
        func put(_ fd: Int32, _ count: Int, at offset: Int, _ name: String) throws {
            var n: Int
            repeat { n = pwrite(fd, buffer, count, off_t(offset)) } while n < 0 && errno == EINTR
            guard n == count else { throw TestBedError("write \(name): \(n < 0 ? errnoText() : "short write")") }
            guard fsync(fd) == 0 else { throw TestBedError("fsync \(name): \(errnoText())") }
        }
        for i in 0..<chunks {
            let bytes = patternBytes(offset: i * chunkSize, count: chunkSize, seed: 1)
            bytes.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: chunkSize) }
            try put(fd, chunkSize, at: i * chunkSize, path)
            try put(filler, 4096, at: i * 4096, fillerPath)
        }
    }

    /// cp --reflink=always: `destination` shares `source`'s blocks.
    public func reflink(_ source: String, _ destination: String) throws {
        try makeParent(path(destination))
        try runCommand(["cp", "--reflink=always", path(source), path(destination)]).check()
    }

    /// A second name for `source`.
    public func hardlink(_ source: String, _ destination: String) throws {
        try makeParent(path(destination))
        guard link(path(source), path(destination)) == 0 else {
            throw TestBedError("link \(path(source)) \(path(destination)): \(errnoText())")
        }
    }

    /// The file's mapped extents (holes left out), from `xfs_io -r -c 'fiemap -v'`.
    /// Post-EOF preallocation shows up as unwritten extents.
    /// Where byte `fileOffset` of a file lives on the data device; throws
    /// when that part of the file is a hole or unwritten.
    public func physicalOffset(_ relative: String, fileOffset: UInt64) throws -> UInt64 {
        let extents = try fileExtents(relative)
        guard let extent = extents.first(where: { $0.fileOffset <= fileOffset && fileOffset < $0.fileOffset + $0.length }),
              !extent.isUnwritten else {
            throw TestBedError("\(relative): no written extent at offset \(fileOffset): \(extents)")
        }
        return extent.physical + (fileOffset - extent.fileOffset)
    }

    public func fileExtents(_ relative: String) throws -> [FileExtent] {
        let result = try runCommand(["xfs_io", "-r", "-c", "fiemap -v", path(relative)]).check()
        return FileExtent.parse(fiemap: result.stdout)
    }

    /// Space map of the data device (`xfs_io -r -c 'fsmap -d' MNT`), or of
    /// every device (data, log, realtime) with `allDevices`. Units are 512 bytes.
    public func fsmap(allDevices: Bool = false) throws -> [FsmapRow] {
        let result = try runCommand(["xfs_io", "-r", "-c", allDevices ? "fsmap" : "fsmap -d", mountPoint]).check()
        return FsmapRow.parse(fsmap: result.stdout)
    }

    /// The inode number of `relative`.
    public func inode(_ relative: String) throws -> UInt64 {
        var st = stat()
        guard stat(path(relative), &st) == 0 else { throw TestBedError("stat \(path(relative)): \(errnoText())") }
        return UInt64(st.st_ino)
    }

    /// Where inode `inode` is on the data device, in 512-byte units: from
    /// the geometry `xfs_info` prints (inode number = AG, block in the AG,
    /// inode in the block).
    public func inodeDaddr(_ inode: UInt64) throws -> UInt64 {
        let info = try runCommand(["xfs_info", mountPoint]).check().stdout
        func value(_ key: String) throws -> UInt64 {
            let token = info.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," }).first { $0.hasPrefix(key + "=") }
            guard let token, let number = UInt64(token.dropFirst(key.count + 1)) else {
                throw TestBedError("xfs_info \(mountPoint) has no \(key)=: \(info)")
            }
            return number
        }
        let inodeSize = try value("isize"), agBlocks = try value("agsize"), blockSize = try value("bsize")
        let inodesPerBlockLog = UInt64((blockSize / inodeSize).trailingZeroBitCount)
        let agBlocksLog = UInt64(64 - (agBlocks - 1).leadingZeroBitCount)
        let ag = inode >> (agBlocksLog + inodesPerBlockLog)
        let block = (inode >> inodesPerBlockLog) & ((1 << agBlocksLog) - 1)
        let index = inode & ((1 << inodesPerBlockLog) - 1)
        return ((ag * agBlocks + block) * blockSize + index * inodeSize) / 512
    }

    private func makeParent(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    }
}
