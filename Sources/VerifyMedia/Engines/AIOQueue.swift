import CLibAIO
import Glibc

/// Linux native AIO through libaio: the fallback where io_uring is
/// disabled. O_DIRECT reads of a block device are truly asynchronous here.
final class AIOQueue: AsyncReadQueue {
    let depth: Int
    private let fd: FileDescriptor
    private var context: io_context_t?
    private let iocbs: UnsafeMutablePointer<iocb>
    private let events: UnsafeMutablePointer<io_event>
    private var prepared: [UnsafeMutablePointer<iocb>?] = []
    private let buffers: AlignedBuffer
    private let ioSize: Int

    init(fd: FileDescriptor, depth: Int, ioSize: Int) throws(Errno) {
        self.fd = fd
        self.depth = depth
        self.ioSize = ioSize
        var context: io_context_t?
        let status = io_setup(Int32(depth), &context)
        if status < 0 { throw Errno(-status) }
        self.context = context
        iocbs = .allocate(capacity: depth)
        iocbs.initialize(repeating: iocb(), count: depth)
        events = .allocate(capacity: depth)
        events.initialize(repeating: io_event(), count: depth)
        buffers = AlignedBuffer(count: depth * ioSize)
        prepared.reserveCapacity(depth)
    }

    deinit {
        io_destroy(context)
        iocbs.deallocate()
        events.deallocate()
    }

    func prepare(slot: Int, offset: UInt64, length: Int) {
        let request = iocbs + slot
        io_prep_pread(request, fd.rawValue, buffers.pointer + slot * ioSize, length, Int64(offset))
        request.pointee.data = UnsafeMutableRawPointer(bitPattern: slot + 1)
        prepared.append(request)
    }

    func submitAndWait(minimum: Int, timeoutNanoseconds: UInt64?, _ completion: (Int, Int) -> Void) throws(Errno) {
        while !prepared.isEmpty {
            let submitted = prepared.withUnsafeMutableBufferPointer {
                io_submit(context, $0.count, $0.baseAddress)
            }
            if submitted == -EINTR || submitted == -EAGAIN { continue }
            if submitted < 0 { throw Errno(-submitted) }
            prepared.removeFirst(Int(submitted))
        }
        var timeout = timespec(tv_sec: Int(timeoutNanoseconds.map { $0 / 1_000_000_000 } ?? 0),
                               tv_nsec: Int(timeoutNanoseconds.map { $0 % 1_000_000_000 } ?? 0))
        var count: Int32
        repeat {
            count = timeoutNanoseconds == nil
                ? io_getevents(context, minimum, depth, events, nil)
                : io_getevents(context, minimum, depth, events, &timeout)
        } while count == -EINTR
        if count < 0 { throw Errno(-count) }
        for index in 0..<Int(count) {
            let event = events[index]
            let slot = Int(bitPattern: event.data) - 1
            completion(slot, Int(bitPattern: UInt(event.res)))
        }
    }
}
