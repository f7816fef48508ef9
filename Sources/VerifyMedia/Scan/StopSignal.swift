import Synchronization

/// Asks every thread of a scan to stop taking new work: SIGINT/SIGTERM,
/// the filesystem going away, a fatal error. In-flight reads finish, so
/// what was read is accounted for and the checkpoint is exact.
public final class StopSignal: Sendable {
    private let flag = Atomic<Bool>(false)
    private let why = Mutex<StopCause?>(nil)

    public init() {}

    /// The first request's cause is the one kept.
    public func request(_ cause: StopCause) {
        why.withLock { if $0 == nil { $0 = cause } }
        flag.store(true, ordering: .releasing)
    }

    public var isRequested: Bool { flag.load(ordering: .acquiring) }
    public var cause: StopCause? { why.withLock { $0 } }
}

/// Whether the readers of one device should stop: the whole scan stops,
/// or this device cannot be read any more.
final class DeviceStop: Sendable {
    let scan: StopSignal
    private let failed = Atomic<Bool>(false)

    init(scan: StopSignal) { self.scan = scan }

    var isRequested: Bool { scan.isRequested || failed.load(ordering: .acquiring) }
    var deviceFailed: Bool { failed.load(ordering: .acquiring) }

    /// Marks the device failed; true the first time.
    func fail() -> Bool { !failed.exchange(true, ordering: .acquiringAndReleasing) }
}
