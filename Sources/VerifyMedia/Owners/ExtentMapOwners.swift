import CXFS
import Glibc

/// Owners on filesystems without the reverse-mapping btree, where GETFSMAP
/// only tells free from used space: the files are found as xfs_scrub finds
/// them, with one walk of the tree that intersects every file's extent map
/// (FIEMAP, data and attribute forks) with the bad ranges. Done only when
/// such a filesystem has bad ranges. FIEMAP is asked without
/// FIEMAP_FLAG_SYNC, which would write back dirty data.
struct ExtentMapOwners {
    let filesystem: MountedFilesystem

    /// Bad range index -> the files whose extents overlap it.
    func owners(of bad: [BadRange]) -> [Int: [FileOwner]] {
        let sorted = bad.indices.sorted { (bad[$0].device, bad[$0].range.start) < (bad[$1].device, bad[$1].range.start) }
        var found: [Int: [FileOwner]] = [:]
        DirectoryWalk(mountPoint: filesystem.mountPoint, directoryBlockSize: filesystem.geometry.directoryBlockSize).run { entry in
            guard let fd = entry.open() else { return .proceed }
            defer { fd.close() }
            let generation = PathResolver.generation(of: fd)
            var attributes = fsxattr()
            let realtime = (try? fd.ioctl(CXFS_FS_IOC_FSGETXATTR, &attributes)) != nil && attributes.fsx_xflags & UInt32(FS_XFLAG_REALTIME) != 0
            for fork in [Fork.data, .attr] {
                let device: DeviceRole = fork == .data && realtime ? .rt : .data
                ExtentMapOwners.extents(of: fd, attributeFork: fork == .attr) { logical, physical, length, flags in
                    let extent = ByteRange(physical, physical + length)
                    for index in ExtentMapOwners.overlapping(extent, device: device, in: bad, sorted: sorted) {
                        let overlap = extent.clamped(to: bad[index].range)
                        let owner = FileOwner(inode: entry.inode, generation: generation,
                                              fork: fork, fileOffset: fork == .data ? logical + (overlap.start - physical) : nil,
                                              length: overlap.count, unwritten: flags & UInt32(FIEMAP_EXTENT_UNWRITTEN) != 0,
                                              paths: [entry.path], unlinked: false)
                        // A hard link: the same owner under another name.
                        if let known = found[index]?.firstIndex(where: { $0.inode == entry.inode && $0.fork == fork && $0.fileOffset == owner.fileOffset }) {
                            found[index]![known].paths.append(entry.path)
                        } else {
                            found[index, default: []].append(owner)
                        }
                    }
                }
            }
            return .proceed
        }
        return found
    }

    /// Indices of bad ranges on `device` that overlap `extent`.
    private static func overlapping(_ extent: ByteRange, device: DeviceRole, in bad: [BadRange], sorted: [Int]) -> [Int] {
        // First bad range of the device that does not end before the extent.
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            let candidate = bad[sorted[middle]]
            if (candidate.device, candidate.range.end) <= (device, extent.start) { low = middle + 1 } else { high = middle }
        }
        var result: [Int] = []
        while low < sorted.count, bad[sorted[low]].device == device, bad[sorted[low]].range.start < extent.end {
            if bad[sorted[low]].range.overlaps(extent) { result.append(sorted[low]) }
            low += 1
        }
        return result
    }

    /// Calls `body(logical, physical, length, flags)` for each mapped extent
    /// of the file's data or attribute fork, in bytes.
    static func extents(of fd: FileDescriptor, attributeFork: Bool, _ body: (UInt64, UInt64, UInt64, UInt32) -> Void) {
        let capacity = 256
        let size = MemoryLayout<fiemap>.size + capacity * MemoryLayout<fiemap_extent>.size
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        let map = buffer.assumingMemoryBound(to: fiemap.self)
        let records = (buffer + MemoryLayout<fiemap>.size).assumingMemoryBound(to: fiemap_extent.self)
        var start: UInt64 = 0
        while true {
            buffer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<fiemap>.size)
            map.pointee.fm_start = start
            map.pointee.fm_length = UInt64.max - start
            map.pointee.fm_flags = attributeFork ? UInt32(FIEMAP_FLAG_XATTR) : 0
            map.pointee.fm_extent_count = UInt32(capacity)
            guard (try? fd.ioctl(CXFS_FS_IOC_FIEMAP, buffer)) != nil, map.pointee.fm_mapped_extents > 0 else { return }
            let count = Int(map.pointee.fm_mapped_extents)
            for index in 0..<count {
                let extent = records[index]
                let unmapped = UInt32(FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC | FIEMAP_EXTENT_DATA_INLINE)
                if extent.fe_flags & unmapped == 0 {
                    body(extent.fe_logical, extent.fe_physical, extent.fe_length, extent.fe_flags)
                }
            }
            let last = records[count - 1]
            if last.fe_flags & UInt32(FIEMAP_EXTENT_LAST) != 0 { return }
            start = last.fe_logical + last.fe_length
        }
    }
}
