/// Throughput and latency of one lane or device, for `--bench`.
public struct LaneStatistics: Sendable {
    public var device: DeviceRole
    public var lane: String
    public var bytesRead: UInt64
    public var seconds: Double
}

public struct LatencySummary: Sendable {
    public var p50Microseconds: UInt64
    public var p99Microseconds: UInt64
    public var p999Microseconds: UInt64
    public var maxMicroseconds: UInt64
    public var reads: UInt64
}

/// One device's share of the result.
public struct DeviceResult: Sendable {
    public var device: BlockDevice
    public var bytesPlanned: UInt64
    public var bytesVerified: UInt64
    public var bytesRead: UInt64
    public var seconds: Double
    public var badSectors: UInt64
    public var queueDepth: Int
    public var ioSize: Int
    public var latency: LatencySummary
    public var spaceMapRecords: UInt64
    public var spaceMapSeconds: Double
}

/// Whether the kernel's health monitor hears of the bad sectors found.
public enum KernelReporting: String, Sendable {
    /// Each bad sector is reported once with XFS_VERIFY_MEDIA_REPORT.
    case enabled
    /// `--no-kernel-report`.
    case disabled
    /// The kernel lacks XFS_IOC_VERIFY_MEDIA (before Linux 7.0).
    case unavailable
}

/// Everything a scan established, before owners are looked up: the one
/// model every renderer (text, JSON, history, checkpoint) works from.
public struct ScanResult: Sendable {
    public var filesystem: MountedFilesystem
    public var engine: EngineKind
    public var scope: ScanScope
    /// Seconds since the Unix epoch.
    public var started: Double
    public var seconds: Double
    /// False when the scan stopped early (signal, unmount, dead device).
    public var complete: Bool
    public var stopCause: StopCause?
    public var kernelReporting: KernelReporting
    public var devices: [DeviceResult]
    public var badRanges: [BadRange]
    public var unverifiedRanges: [UnverifiedRange]
    public var flakyRanges: [FlakyRange]
    public var errors: [String]
    public var lanes: [LaneStatistics]

    /// Why the scan stopped early, in words.
    public var stopReason: String? { stopCause?.description }
    public var bytesVerified: UInt64 { devices.reduce(0) { $0 + $1.bytesVerified } }
    public var bytesRead: UInt64 { devices.reduce(0) { $0 + $1.bytesRead } }
    public var badSectors: UInt64 { devices.reduce(0) { $0 + $1.badSectors } }
}
