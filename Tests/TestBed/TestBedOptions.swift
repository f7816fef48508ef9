// How to build a test bed; mirrors the options of `testbed/testbed up`.

public struct TestBedOptions: Sendable {
    /// Size of the data device in bytes (XFS from xfsprogs 6.1 needs >= 300 MB).
    public var size: UInt64 = 512 << 20
    public var agCount: Int = 4
    /// 512 or 4096: the loop devices' logical sector size (and mkfs -s size=).
    public var logicalSectorSize: Int = 512
    /// Extra mkfs.xfs arguments, split on spaces by the script. With a
    /// realtime device, rmapbt=1 and reflink=1 are dropped for mkfs.xfs
    /// before xfsprogs 6.13 (Debian 12's 6.1).
    public var mkfsOptions: [String] = ["-m", "rmapbt=1,reflink=1"]
    /// Size of an external log device in bytes (mkfs.xfs wants >= 64 MiB), or nil for an internal log.
    public var externalLogSize: UInt64? = nil
    /// Size of a realtime device in bytes, or nil. Needs a kernel with CONFIG_XFS_RT.
    public var realtimeSize: UInt64? = nil
    /// false: loop devices directly on the images, no FUSE (faster; no fault controls).
    public var faultDisk: Bool = true
    /// Another mkfs.xfs command, split on spaces (e.g. `SidUserland.mkfs`,
    /// xfsprogs 7.x, for parent pointers, rtgroups, zoned).
    public var mkfsProgram: String? = nil
    /// An existing block device to make the data device of (e.g. a
    /// `ScsiDebugDisk`): no image, fault disk or loop device for data, and
    /// `size` does not apply. The caller owns the device.
    public var dataDevice: String? = nil
    /// What the loop devices tell as `queue/rotational`; nil leaves the
    /// kernel's choice (a fault disk: not rotational).
    public var rotational: Bool? = nil
    /// An existing block device to make the realtime device of (e.g. a zoned
    /// `ScsiDebugDisk`), instead of `realtimeSize`. The caller owns the device.
    public var realtimeDevice: String? = nil

    public init(size: UInt64 = 512 << 20, agCount: Int = 4, logicalSectorSize: Int = 512,
                mkfsOptions: [String] = ["-m", "rmapbt=1,reflink=1"], externalLogSize: UInt64? = nil,
                realtimeSize: UInt64? = nil, faultDisk: Bool = true, mkfsProgram: String? = nil,
                dataDevice: String? = nil, realtimeDevice: String? = nil) {
        self.size = size
        self.agCount = agCount
        self.logicalSectorSize = logicalSectorSize
        self.mkfsOptions = mkfsOptions
        self.externalLogSize = externalLogSize
        self.realtimeSize = realtimeSize
        self.faultDisk = faultDisk
        self.mkfsProgram = mkfsProgram
        self.dataDevice = dataDevice
        self.realtimeDevice = realtimeDevice
    }

    /// Arguments for `testbed up DIR` after DIR.
    var scriptArguments: [String] {
        var args = ["--size", String(size), "--agcount", String(agCount),
                    "--sector-size", String(logicalSectorSize), "--mkfs", mkfsOptions.joined(separator: " ")]
        if let externalLogSize { args += ["--logdev", String(externalLogSize)] }
        if let realtimeSize { args += ["--rtdev", String(realtimeSize)] }
        if !faultDisk { args.append("--no-faults") }
        if let rotational { args += ["--rotational", rotational ? "1" : "0"] }
        if let dataDevice { args += ["--device", dataDevice] }
        if let realtimeDevice { args += ["--rt-device", realtimeDevice] }
        return args
    }
}
