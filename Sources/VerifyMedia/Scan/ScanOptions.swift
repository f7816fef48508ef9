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
    /// Per device and lane: where a resumed scan starts.
    public var resumeFrom: [DeviceRole: [Int: UInt64]] = [:]
    /// Only these byte ranges of these devices, whole (free space too),
    /// instead of the scope: what watch mode verifies around a reported
    /// media error. Sorted, not overlapping, sector-aligned.
    public var ranges: [DeviceRole: [ByteRange]]?

    public init() {}

    /// Bytes per read, before alignment to a device's sectors.
    var readSize: Int { ioSize ?? (background ? 128 << 10 : 2 << 20) }

    /// Background mode's cap when no `--rate` is given.
    public static let backgroundRate: UInt64 = 64 << 20

    /// Reads in flight per device, and their size. Queued engines keep 16
    /// reads of 2 MiB in flight: 32 MiB, enough for flash, and a spinning
    /// disk reading in ascending order loses nothing by it; 2 MiB reads cost
    /// half the CPU of 1 MiB ones for the same bytes (bench/: tuning sweep).
    /// Blocking engines (one read per thread, or per XFS_IOC_VERIFY_MEDIA
    /// call) use fewer threads on spinning disks, where concurrent calls
    /// would only make the heads seek. Background mode keeps two 128 KiB
    /// reads in flight.
    func tuning(for device: BlockDevice, engine: EngineKind) -> ReadTuning {
        let defaultDepth: Int
        switch engine {
        case .kernel, .sync: defaultDepth = background ? 1 : (device.rotational ? 4 : 16)
        case .uring, .aio: defaultDepth = background ? 2 : 16
        }
        let sector = device.logicalSectorSize
        let io = readSize
        let aligned = max(sector, io / sector * sector)
        return ReadTuning(ioSize: aligned, queueDepth: queueDepth ?? defaultDepth, mergeGap: mergeGap,
                          restMicroseconds: background ? 1000 : 0, idlePriority: background)
    }
}
