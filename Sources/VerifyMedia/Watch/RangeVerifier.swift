/// Verifies chosen ranges of a filesystem's devices, or all of it, through
/// the scanner (engines, pinpointing), and names the owners of what is bad:
/// the one place where watch mode and restore meet the scan.
struct RangeVerifier: Sendable {
    let engine: EngineKind
    /// Pace and priority (rate, background); scope and ranges are set here.
    let options: ScanOptions

    /// Reads `ranges` whole, free space included.
    func verify(_ ranges: [DeviceRole: [ByteRange]], filesystem: MountedFilesystem, stop: StopSignal) throws(VerifyMediaError) -> Report {
        var options = self.options
        options.scope = .device
        options.ranges = ranges
        return try run(options, filesystem: filesystem, stop: stop)
    }

    /// Reads all allocated space, as `xfs_verify_media MNT` does.
    func verifyEverything(filesystem: MountedFilesystem, stop: StopSignal) throws(VerifyMediaError) -> Report {
        var options = self.options
        options.scope = .allocated
        options.ranges = nil
        return try run(options, filesystem: filesystem, stop: stop)
    }

    private func run(_ options: ScanOptions, filesystem: MountedFilesystem, stop: StopSignal) throws(VerifyMediaError) -> Report {
        let result = try Scanner(filesystem: filesystem, options: options, engine: engine, stop: stop).run()
        let owners = OwnerResolver(filesystem: filesystem).resolve(result.badRanges)
        return Report(scan: result, badRanges: owners.ranges, errors: owners.errors)
    }
}
