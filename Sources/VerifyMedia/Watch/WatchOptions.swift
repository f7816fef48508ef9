/// How watch mode works, as the command line asks for it.
public struct WatchOptions: Sendable {
    /// Repair sick metadata whatever the filesystem's autofsck property says.
    public var alwaysRepair = false
    /// Every metadata health event, not only changes (the monitor's VERBOSE flag).
    public var everything = false
    /// Bytes verified on each side of a reported media error.
    public var neighbourhood: UInt64 = 1 << 20
    public var engine: EngineChoice = .auto
    /// Pace of verifications and full scans (rate, background); their
    /// scope and ranges are watch mode's.
    public var scan = ScanOptions()
    /// Where the history of the filesystem is kept; nil for none.
    public var historyDirectory: String? = History.defaultDirectory
    /// Where the JSON report of the latest verification goes.
    public var reportPath: String?
    /// Restore lost file data from a backup after each verification.
    public var restore: RestoreOptions?

    public init() {}
}

/// How a watch ended.
public enum WatchEnd: Sendable, Equatable {
    /// The filesystem was unmounted (or the monitor closed).
    case unmounted
    /// A signal or another stop request.
    case stopped(String)
}
