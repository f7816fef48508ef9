import Glibc
import CXFS

/// Streams FS_IOC_GETFSMAP records of one device range in large batches,
/// holding one batch at a time so memory stays flat however many extents
/// the filesystem has. The calls go through `MountAccess`, so a long scan
/// never keeps the filesystem busy.
final class FsmapStream {
    private let mount: MountAccess
    private let end: UInt64
    private let capacity: Int
    /// The query keys; the low key advances batch by batch.
    private var keys: (fsmap, fsmap)
    /// fsmap_head + records, allocated for the batches and freed once the
    /// stream is done, so lanes not being planned hold no memory.
    private var buffer: UnsafeMutableRawPointer?
    private var finished = false
    private let timer: SpaceMapTimer?
    /// Records returned so far, and the wall time the calls took.
    private(set) var recordsRead: UInt64 = 0
    private(set) var nanoseconds: UInt64 = 0

    /// Records overlapping [start, end) of `device` (an `fmr_device` value).
    init(mount: MountAccess, device: UInt32, start: UInt64, end: UInt64, batchSize: Int = 8192,
         timer: SpaceMapTimer? = nil) {
        self.mount = mount
        self.timer = timer
        self.end = end
        capacity = batchSize
        var low = fsmap(), high = fsmap()
        low.fmr_device = device
        low.fmr_physical = start
        high.fmr_device = device
        high.fmr_physical = end > 0 ? end - 1 : 0
        high.fmr_owner = .max
        high.fmr_offset = .max
        high.fmr_flags = .max
        keys = (low, high)
        if end <= start { finished = true }
    }

    /// Records of a short query (owner lookup): each batch opens the mount
    /// point and closes it again.
    convenience init(filesystem: MountedFilesystem, device: UInt32, start: UInt64, end: UInt64, batchSize: Int = 8192) {
        self.init(mount: MountAccess(filesystem: filesystem, detached: false), device: device, start: start, end: end,
                  batchSize: batchSize)
    }

    deinit { buffer?.deallocate() }

    private func finish() {
        finished = true
        buffer?.deallocate()
        buffer = nil
    }

    /// Calls `body` with each record of the next batch; false once done.
    func nextBatch(_ body: (FsmapRecord) -> Void) throws(Errno) -> Bool {
        if finished { return false }
        let bytes = MemoryLayout<fsmap_head>.size + capacity * MemoryLayout<fsmap>.size
        let buffer = self.buffer ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 16)
        self.buffer = buffer
        let head = buffer.assumingMemoryBound(to: fsmap_head.self)
        let records = (buffer + MemoryLayout<fsmap_head>.size).assumingMemoryBound(to: fsmap.self)
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<fsmap_head>.size)
        head.pointee.fmh_count = UInt32(capacity)
        head.pointee.fmh_keys = keys

        timer?.callStarted()
        let started = monotonicNanoseconds()
        let cpuStarted = threadCPUNanoseconds()
        defer { nanoseconds += monotonicNanoseconds() - started }
        do {
            try mount.withDescriptor { fd throws(Errno) in try fd.ioctl(CXFS_FS_IOC_GETFSMAP, UnsafeMutableRawPointer(head)) }
        } catch {
            timer?.callEnded(records: 0, bytes: 0, filled: false, cpuNanoseconds: threadCPUNanoseconds() - cpuStarted)
            throw error
        }
        let count = Int(head.pointee.fmh_entries)
        recordsRead += UInt64(count)
        let reached = count == 0 ? end : min(end, records[count - 1].fmr_physical &+ records[count - 1].fmr_length)
        let covered = reached > keys.0.fmr_physical ? reached - keys.0.fmr_physical : 0
        timer?.callEnded(records: count, bytes: covered, filled: count == capacity, cpuNanoseconds: threadCPUNanoseconds() - cpuStarted)
        if count == 0 {
            finish()
            return false
        }
        var done = false
        for index in 0..<count {
            let record = FsmapRecord(records[index])
            if record.physical >= end { done = true; break }
            body(record)
        }
        let last = records[count - 1]
        // fsmap_advance(): the last record becomes the low key.
        keys.0 = last
        if done || last.fmr_flags & UInt32(FMR_OF_LAST) != 0 || last.fmr_physical + last.fmr_length >= end {
            finish()
        }
        return true
    }
}
