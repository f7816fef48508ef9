/// A progress snapshot for the display.
public struct ScanProgress: Sendable {
    public struct Device: Sendable {
        public var role: DeviceRole
        public var bytesDone: UInt64
        public var bytesTotal: UInt64
        public var bytesRead: UInt64
        public var bytesVerified: UInt64 = 0
        public var badSectors: UInt64 = 0
    }
    public var devices: [Device]
    public var bytesDone: UInt64 { devices.reduce(0) { $0 + $1.bytesDone } }
    public var bytesTotal: UInt64 { devices.reduce(0) { $0 + $1.bytesTotal } }
    public var bytesRead: UInt64 { devices.reduce(0) { $0 + $1.bytesRead } }
    public var badSectors: UInt64 { devices.reduce(0) { $0 + $1.badSectors } }
}
