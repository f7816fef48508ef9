import Glibc
import CXFS
import Synchronization

/// A POSIX thread for blocking work (reads, ioctls, GETFSMAP), so that
/// blocking system calls never run on Swift's cooperative pool.
final class DedicatedThread: @unchecked Sendable {
    private var thread: pthread_t = 0
    private let body: @Sendable () -> Void
    private let done = Atomic<Bool>(false)

    private init(body: @escaping @Sendable () -> Void) {
        self.body = body
    }

    /// Starts `body` on a new thread; call `join()` to wait for it.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) -> DedicatedThread {
        let handle = DedicatedThread(body: body)
        let context = Unmanaged.passRetained(handle).toOpaque()
        let status = pthread_create(&handle.thread, nil, { raw in
            let handle = Unmanaged<DedicatedThread>.fromOpaque(raw!).takeRetainedValue()
            handle.body()
            handle.done.store(true, ordering: .releasing)
            return nil
        }, context)
        precondition(status == 0, "pthread_create failed")
        return handle
    }

    /// True once the body has returned.
    var isFinished: Bool { done.load(ordering: .acquiring) }

    func join() {
        pthread_join(thread, nil)
    }
}

/// I/O priority of the calling thread (ioprio_set(2) with the thread id),
/// honoured by BFQ and mq-deadline; other schedulers ignore it.
enum IOPriority {
    static func setIdleForCurrentThread() {
        _ = CXFS_ioprio_set(IOPRIO_WHO_PROCESS, CXFS_gettid(), IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT)
    }

    /// The value io_uring takes in `sqe->ioprio` for the idle class.
    static let idle = UInt16(IOPRIO_CLASS_IDLE << IOPRIO_CLASS_SHIFT)
}
