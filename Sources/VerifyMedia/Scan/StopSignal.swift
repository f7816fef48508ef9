import Synchronization

/// Asks every thread of a scan to stop taking new work: SIGINT/SIGTERM,
/// the filesystem going away, a fatal error. In-flight reads finish, so
/// what was read is accounted for and the checkpoint is exact.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    private let why = Mutex<String?>(nil)

    public init() {}

    public func request(_ reason: String) {
        why.withLock { if $0 == nil { $0 = reason } }
        flag.store(true, ordering: .releasing)
    }

    public var isRequested: Bool { flag.load(ordering: .acquiring) }
    public var reason: String? { why.withLock { $0 } }
}
