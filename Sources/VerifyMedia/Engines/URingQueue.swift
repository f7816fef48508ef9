import CAsyncIO
import Glibc

/// io_uring through liburing: one ring per device, one registered buffer
/// per slot, completions reaped in batches.
final class URingQueue: AsyncReadQueue {
    let depth: Int
    private let fd: FileDescriptor
    private let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
    private let buffers: AlignedBuffer
    private let ioSize: Int
    private let registered: Bool
    private let priority: UInt16
    private var cqes: [UnsafeMutablePointer<io_uring_cqe>?]

    /// Fails with the errno of io_uring_setup: ENOSYS (no io_uring), EPERM
    /// (kernel.io_uring_disabled, seccomp), ENOMEM.
    init(fd: FileDescriptor, depth: Int, ioSize: Int, idlePriority: Bool) throws(Errno) {
        self.fd = fd
        self.depth = depth
        self.ioSize = ioSize
        priority = idlePriority ? IOPriority.idle : 0
        var params = io_uring_params()
        let status = io_uring_queue_init_params(UInt32(depth), ring, &params)
        if status < 0 {
            ring.deallocate()
            throw Errno(-status)
        }
        let buffers = AlignedBuffer(count: depth * ioSize)
        self.buffers = buffers
        var vectors = (0..<depth).map { iovec(iov_base: buffers.pointer + $0 * ioSize, iov_len: ioSize) }
        // Registered buffers spare the kernel pinning pages on every read;
        // without them (RLIMIT_MEMLOCK) plain reads work as well.
        registered = io_uring_register_buffers(ring, &vectors, UInt32(depth)) == 0
        cqes = Array(repeating: nil, count: depth)
    }

    deinit {
        io_uring_queue_exit(ring)
        ring.deallocate()
    }

    func prepare(slot: Int, offset: UInt64, length: Int) {
        guard let sqe = io_uring_get_sqe(ring) else {
            preconditionFailure("io_uring submission queue full: more reads than slots")
        }
        let buffer = buffers.pointer + slot * ioSize
        if registered {
            io_uring_prep_read_fixed(sqe, fd.rawValue, buffer, UInt32(length), offset, Int32(slot))
        } else {
            io_uring_prep_read(sqe, fd.rawValue, buffer, UInt32(length), offset)
        }
        sqe.pointee.ioprio = priority
        io_uring_sqe_set_data64(sqe, UInt64(slot))
    }

    func submitAndWait(minimum: Int, timeoutNanoseconds: UInt64?, _ completion: (Int, Int) -> Void) throws(Errno) {
        var status: Int32
        repeat {
            if let timeoutNanoseconds {
                var timeout = __kernel_timespec(tv_sec: Int64(timeoutNanoseconds / 1_000_000_000),
                                                tv_nsec: Int64(timeoutNanoseconds % 1_000_000_000))
                var first: UnsafeMutablePointer<io_uring_cqe>?
                status = io_uring_submit_and_wait_timeout(ring, &first, UInt32(minimum), &timeout, nil)
            } else {
                status = io_uring_submit_and_wait(ring, UInt32(minimum))
            }
        } while status == -EINTR
        if status < 0 && status != -ETIME && status != -EAGAIN && status != -EBUSY {
            throw Errno(-status)
        }
        let count = cqes.withUnsafeMutableBufferPointer {
            io_uring_peek_batch_cqe(ring, $0.baseAddress, UInt32(depth))
        }
        for index in 0..<Int(count) {
            let cqe = cqes[index]!.pointee
            completion(Int(cqe.user_data), Int(cqe.res))
        }
        io_uring_cq_advance(ring, count)
    }
}
