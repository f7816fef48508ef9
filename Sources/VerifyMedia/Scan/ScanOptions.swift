/// What to scan and how, as the command line asks for it.
public struct ScanOptions: Sendable {
    public var scope: ScanScope = .allocated
    /// Devices to read; nil for every device of the filesystem.
    public var devices: Set<DeviceRole>?
    public var queueDepth: Int?
    public var ioSize: Int?
    /// Bytes per second over all devices; nil for no cap.
    public var rate: UInt64?
    public var background = false
    /// Gaps between extents up to this size are read rather than skipped.
    public var mergeGap: UInt64 = 64 << 10
    /// Tell the kernel of each bad sector (XFS_VERIFY_MEDIA_REPORT) where
    /// it has XFS_IOC_VERIFY_MEDIA.
    public var kernelReport = true

    public init() {}

    /// Background mode's cap when no `--rate` is given.
    public static let backgroundRate: UInt64 = 64 << 20

    /// Reads in flight: at most this many per device.
    public static let queueDepthLimit = 1...1024
    /// Bytes per read: within these limits, a multiple of 512.
    public static let ioSizeLimit = 512...(64 << 20)

    /// Bytes per read.
    var readSize: Int { ioSize ?? (background ? 128 << 10 : 2 << 20) }

    /// The rate cap in force, `--rate` or background mode's.
    var effectiveRate: UInt64? { rate ?? (background ? ScanOptions.backgroundRate : nil) }

    /// Checks what can be checked without a filesystem: the command line
    /// calls this while parsing, so a bad value is a usage error for anyone.
    public func validate() throws(VerifyMediaError) {
        if let queueDepth, !ScanOptions.queueDepthLimit.contains(queueDepth) {
            throw .usage("--queue-depth must be between \(ScanOptions.queueDepthLimit.lowerBound) and \(ScanOptions.queueDepthLimit.upperBound)")
        }
        if let ioSize, !ScanOptions.ioSizeLimit.contains(ioSize) || ioSize % 512 != 0 {
            throw .usage("--io-size must be a multiple of 512 between 512 and 64M")
        }
        if rate == 0 { throw .usage("--rate must be positive") }
    }

    /// Checks the options against the filesystem before anything is read:
    /// the devices asked for exist, reads fit every device's sectors. Values
    /// are taken as they are or refused, never rounded.
    public func validate(for filesystem: MountedFilesystem) throws(VerifyMediaError) {
        try validate()
        for role in (devices ?? []).sorted() where filesystem.device(role) == nil {
            throw .usage("\(filesystem.mountPoint): the filesystem has no \(role == .rt ? "realtime" : "external log") device (--device \(role.rawValue))")
        }
        for device in filesystem.devices where readSize % device.logicalSectorSize != 0 {
            throw .usage("--io-size \(readSize) is not a multiple of the \(device.logicalSectorSize)-byte sectors of \(device.path)")
        }
    }

    /// Reads in flight per device, and their size. Queued engines keep 16
    /// reads of 2 MiB in flight: 32 MiB, enough for flash, and a spinning
    /// disk reading in ascending order loses nothing by it; 2 MiB reads cost
    /// half the CPU of 1 MiB ones for the same bytes (bench/: tuning sweep).
    /// Blocking engines (one read per thread, or per XFS_IOC_VERIFY_MEDIA
    /// call) use fewer threads on spinning disks, where concurrent calls
    /// would only make the heads seek. Background mode keeps two 128 KiB
    /// reads in flight. `validate(for:)` has checked that the read size
    /// fits the device's sectors.
    func tuning(for device: BlockDevice, engine: EngineKind) -> ReadTuning {
        let defaultDepth: Int
        switch engine {
        case .kernel, .sync: defaultDepth = background ? 1 : (device.rotational ? 4 : 16)
        case .uring, .aio: defaultDepth = background ? 2 : 16
        }
        return ReadTuning(ioSize: readSize, queueDepth: queueDepth ?? defaultDepth, mergeGap: mergeGap,
                          restMicroseconds: background ? 1000 : 0, idlePriority: background)
    }
}

/// Tuning of the read path, chosen from the device and the command line.
public struct ReadTuning: Sendable, Equatable {
    public var ioSize: Int
    public var queueDepth: Int
    public var mergeGap: UInt64
    /// Sleep between reads inside XFS_IOC_VERIFY_MEDIA (background mode).
    public var restMicroseconds: UInt32 = 0
    public var idlePriority = false
}
