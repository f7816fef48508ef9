import Glibc
import CXFS

/// Streams FS_IOC_GETFSMAP records of one device range in large batches,
/// holding one batch at a time so memory stays flat however many extents
/// the filesystem has. Each batch opens the mount point and closes it
/// again, so a long scan never keeps the filesystem busy.
final class FsmapStream {
    private let filesystem: MountedFilesystem
    private let device: UInt32
    private let end: UInt64
    private let capacity: Int
    private let buffer: UnsafeMutableRawPointer
    private var head: UnsafeMutablePointer<fsmap_head> { buffer.assumingMemoryBound(to: fsmap_head.self) }
    private var records: UnsafeMutablePointer<fsmap> {
        (buffer + MemoryLayout<fsmap_head>.size).assumingMemoryBound(to: fsmap.self)
    }
    private var finished = false
    /// Records returned and nanoseconds spent in GETFSMAP so far.
    private(set) var recordsRead: UInt64 = 0
    private(set) var nanosecondsSpent: UInt64 = 0

    /// Records overlapping [start, end) of `device` (an `fmr_device` value).
    init(filesystem: MountedFilesystem, device: UInt32, start: UInt64, end: UInt64, batchSize: Int = 16384) {
        self.filesystem = filesystem
        self.device = device
        self.end = end
        capacity = batchSize
        let bytes = MemoryLayout<fsmap_head>.size + batchSize * MemoryLayout<fsmap>.size
        buffer = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<fsmap_head>.size)
        head.pointee.fmh_count = UInt32(batchSize)
        head.pointee.fmh_keys.0.fmr_device = device
        head.pointee.fmh_keys.0.fmr_physical = start
        head.pointee.fmh_keys.1.fmr_device = device
        head.pointee.fmh_keys.1.fmr_physical = end > 0 ? end - 1 : 0
        head.pointee.fmh_keys.1.fmr_owner = .max
        head.pointee.fmh_keys.1.fmr_offset = .max
        head.pointee.fmh_keys.1.fmr_flags = .max
        if end <= start { finished = true }
    }

    deinit { buffer.deallocate() }

    /// Calls `body` with each record of the next batch; false once done.
    func nextBatch(_ body: (FsmapRecord) -> Void) throws(Errno) -> Bool {
        if finished { return false }
        let started = monotonicNanoseconds()
        let fd = try filesystem.openMountPoint()
        head.pointee.fmh_entries = 0
        do {
            try fd.ioctl(CXFS_FS_IOC_GETFSMAP, UnsafeMutableRawPointer(head))
        } catch {
            fd.close()
            throw error
        }
        fd.close()
        nanosecondsSpent += monotonicNanoseconds() - started
        let count = Int(head.pointee.fmh_entries)
        recordsRead += UInt64(count)
        if count == 0 {
            finished = true
            return false
        }
        for index in 0..<count {
            let record = FsmapRecord(records[index])
            if record.physical >= end { finished = true; break }
            body(record)
        }
        let last = records[count - 1]
        if last.fmr_flags & UInt32(FMR_OF_LAST) != 0 || last.fmr_physical + last.fmr_length >= end {
            finished = true
        }
        // fsmap_advance(): the last record becomes the low key.
        head.pointee.fmh_keys.0 = last
        return true
    }
}
