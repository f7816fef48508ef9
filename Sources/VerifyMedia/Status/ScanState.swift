/// Where a scan of one filesystem stands, for those outside the process:
/// `xfs_verify_media status` (from the state file the scan rewrites every
/// second under /run/xfs_verify_media), systemd (`STATUS=` lines) and
/// Prometheus (`--metrics`). One model, several renderers.
public struct ScanState: Sendable, Equatable {
    public static let format = "xfs-verify-media-state/1"

    public enum Phase: String, Sendable, CaseIterable {
        /// Reading.
        case running
        /// Ended (to the end or not); `outcome` says how.
        case finished
    }

    /// One device's part, while running and at the end.
    public struct Device: Sendable, Equatable {
        public var role: DeviceRole
        public var path: String
        /// In-scope bytes handled (verified, found bad or given up on), and
        /// the bytes in scope, earlier runs of a resumed scan included.
        public var bytesDone: UInt64
        public var bytesTotal: UInt64
        public var bytesRead: UInt64
        public var bytesVerified: UInt64
        public var badSectors: UInt64
        /// Set once finished.
        public var badRanges: Int
        public var newBadRanges: Int
        public var filesAffected: Int

        public init(role: DeviceRole, path: String, bytesDone: UInt64 = 0, bytesTotal: UInt64 = 0, bytesRead: UInt64 = 0,
                    bytesVerified: UInt64 = 0, badSectors: UInt64 = 0, badRanges: Int = 0, newBadRanges: Int = 0,
                    filesAffected: Int = 0) {
            self.role = role
            self.path = path
            self.bytesDone = bytesDone
            self.bytesTotal = bytesTotal
            self.bytesRead = bytesRead
            self.bytesVerified = bytesVerified
            self.badSectors = badSectors
            self.badRanges = badRanges
            self.newBadRanges = newBadRanges
            self.filesAffected = filesAffected
        }
    }

    /// How a scan ended.
    public struct Outcome: Sendable, Equatable {
        public var started: Double
        public var ended: Double
        /// Seconds spent reading, earlier runs of a resumed scan included.
        public var seconds: Double
        public var complete: Bool
        /// Stopped at its --max-runtime or --window deadline with its
        /// checkpoint saved: to be continued, not a failure.
        public var paused: Bool
        public var stopReason: String?
        /// nil in histories of version 0.1.0, which did not record it.
        public var exitStatus: Int32?
        public var engine: EngineKind
        public var badRanges: Int
        /// nil without history.
        public var newBadRanges: Int?
        public var knownBadRanges: Int?
        public var badSectors: UInt64
        public var filesAffected: Int
        public var devices: [Device]
        /// Of the scope, how much was done; nil when not known (history).
        public var fraction: Double?
    }

    public var fsUUID: String
    public var mountPoint: String
    public var phase: Phase
    public var pid: Int32
    /// The process's start time in clock ticks since boot (/proc/PID/stat),
    /// so that a pid the kernel gave to another process since is not
    /// taken for this scan.
    public var pidStart: UInt64
    public var started: Double
    public var updated: Double
    public var engine: EngineKind
    public var scope: ScanScope
    public var devices: [Device]
    /// Bytes read per second over the last seconds; 0 before there is a rate.
    public var bytesPerSecond: Double
    /// nil before there is a rate.
    public var secondsLeft: Double?
    /// Set once finished.
    public var outcome: Outcome?
    /// The last scan that finished before this one.
    public var previous: Outcome?
    /// When the last complete scan ended (this one, the previous one, or
    /// from the history).
    public var lastComplete: Double?

    public var bytesDone: UInt64 { devices.reduce(0) { $0 + $1.bytesDone } }
    public var bytesTotal: UInt64 { devices.reduce(0) { $0 + $1.bytesTotal } }
    public var badSectors: UInt64 { devices.reduce(0) { $0 + $1.badSectors } }

    /// Done, from 0 to 1.
    public var fraction: Double { ScanState.fraction(done: bytesDone, total: bytesTotal) }

    static func fraction(done: UInt64, total: UInt64) -> Double {
        let total = max(total, done)
        return total > 0 ? Double(done) / Double(total) : 0
    }

    /// The last finished scan: this one once it ended, else the one before.
    public var lastOutcome: Outcome? { outcome ?? previous }
}
