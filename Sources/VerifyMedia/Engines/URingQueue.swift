import CLibURing
import Glibc

/// io_uring through liburing: one ring per device, one registered buffer
/// per slot, completions reaped in batches.
final class URingQueue: AsyncReadQueue {
    let depth: Int
    private let fd: FileDescriptor
    private let ring: OpaquePointer
    private let buffers: AlignedBuffer
    private let ioSize: Int
    private let registered: Bool
    private let priority: UInt16
    private var userData: [UInt64]
    private var results: [Int32]

    /// Fails with the errno of io_uring_setup: ENOSYS (no io_uring), EPERM
    /// (kernel.io_uring_disabled, seccomp), ENOMEM.
    init(fd: FileDescriptor, depth: Int, ioSize: Int, idlePriority: Bool) throws(Errno) {
        self.fd = fd
        self.depth = depth
        self.ioSize = ioSize
        priority = idlePriority ? IOPriority.idle : 0
        var error: Int32 = 0
        guard let ring = CLibURing_io_uring_queue_init(UInt32(depth), &error) else { throw Errno(error) }
        self.ring = ring
        let buffers = AlignedBuffer(count: depth * ioSize)
        self.buffers = buffers
        let vectors = (0..<depth).map { iovec(iov_base: buffers.pointer + $0 * ioSize, iov_len: ioSize) }
        // Registered buffers spare the kernel pinning pages on every read;
        // without them (RLIMIT_MEMLOCK) plain reads work as well.
        registered = CLibURing_io_uring_register_buffers(ring, vectors, UInt32(depth)) == 0
        userData = Array(repeating: 0, count: depth)
        results = Array(repeating: 0, count: depth)
    }

    deinit { CLibURing_io_uring_queue_exit(ring) }

    func prepare(slot: Int, offset: UInt64, length: Int) {
        let status = CLibURing_io_uring_prep_read(ring, fd.rawValue, buffers.pointer + slot * ioSize, UInt32(length), offset,
                                                  registered ? Int32(slot) : -1, priority, UInt64(slot))
        precondition(status == 0, "io_uring submission queue full: more reads than slots")
    }

    func submitAndWait(minimum: Int, timeoutNanoseconds: UInt64?, _ completion: (Int, Int) -> Void) throws(Errno) {
        // 0 means no timeout to the shim.
        let timeout = timeoutNanoseconds.map { max(1, $0) } ?? 0
        var status: Int32
        repeat {
            status = CLibURing_io_uring_submit_and_wait(ring, UInt32(minimum), timeout)
        } while status == -EINTR
        if status < 0 && status != -ETIME && status != -EAGAIN && status != -EBUSY {
            throw Errno(-status)
        }
        let count = Int(CLibURing_io_uring_reap(ring, &userData, &results, UInt32(depth)))
        for index in 0..<count {
            // Only our reads, whose user_data is their slot.
            guard userData[index] < UInt64(depth) else { continue }
            completion(Int(userData[index]), Int(results[index]))
        }
    }

    /// Queues a request that reads nothing and completes with `userData`
    /// (tests: completions that are not reads must be passed over).
    func prepareNoOperation(userData: UInt64) {
        let status = CLibURing_io_uring_prep_nop(ring, userData)
        precondition(status == 0, "io_uring submission queue full")
    }
}
