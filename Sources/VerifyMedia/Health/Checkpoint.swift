/// Progress of an interrupted scan, saved so that `--resume` continues
/// where it stopped without reading anything twice: per lane, the offset
/// up to which everything in scope was handled, and the findings so far.
public struct Checkpoint: Sendable {
    public static let format = "xfs-verify-media-checkpoint/1"

    public struct LaneMark: Sendable {
        public var lane: String
        public var start: UInt64
        public var end: UInt64
        /// Everything in scope before this offset has been handled.
        public var verifiedUpTo: UInt64
    }

    public struct DeviceMark: Sendable {
        public var role: DeviceRole
        public var bytesPlanned: UInt64
        public var bytesVerified: UInt64
        public var bytesRead: UInt64
        public var lanes: [LaneMark]
    }

    public var format = Checkpoint.format
    public var fsUuid: String
    public var scope: ScanScope
    public var saved: Double
    /// Seconds spent scanning in earlier runs.
    public var seconds: Double
    public var devices: [DeviceMark]
    public var badRanges: [BadRange]
    public var unverifiedRanges: [UnverifiedRange]
    public var flakyRanges: [FlakyRange]

    /// The checkpoint at `path`; nil when there is none. Refuses a file
    /// that is not a checkpoint, or one of another filesystem or scope.
    public static func load(from path: String, for filesystem: MountedFilesystem, scope: ScanScope) throws(VerifyMediaError) -> Checkpoint? {
        guard let checkpoint = try read(from: path) else { return nil }
        guard checkpoint.fsUuid == filesystem.geometry.uuid else {
            throw .usage("\(path): checkpoint of filesystem \(checkpoint.fsUuid), but \(filesystem.mountPoint) is \(filesystem.geometry.uuid)")
        }
        guard checkpoint.scope == scope else {
            throw .usage("\(path): checkpoint of a --scope \(checkpoint.scope.rawValue) scan, not --scope \(scope.rawValue)")
        }
        for device in checkpoint.devices {
            guard let present = filesystem.device(device.role) else {
                throw .usage("\(path): checkpoint covers a \(device.role) device this filesystem does not have")
            }
            let lanes = LaneLayout.lanes(for: present, geometry: filesystem.geometry, scope: scope)
            guard lanes.count == device.lanes.count,
                  zip(lanes, device.lanes).allSatisfy({ $0.range.start == $1.start && $0.range.end == $1.end }) else {
                throw .usage("\(path): the layout of the \(device.role) device changed since the checkpoint (grown filesystem?)")
            }
        }
        return checkpoint
    }
}
