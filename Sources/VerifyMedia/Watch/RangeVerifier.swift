/// Verifies chosen ranges of a filesystem's devices, or all of it, through
/// the scanner (engines, pinpointing, reports to the kernel), and names the
/// owners of what is bad: the one place where watch mode and restore meet
/// the scan.
struct RangeVerifier: Sendable {
    let engine: EngineKind
    /// Pace and priority (rate, background); the scope is set here.
    let options: ScanOptions

    /// Reads `ranges` whole, free space included: the kernel reported an
    /// error there, wherever it is.
    func verify(_ ranges: [DeviceRole: [ByteRange]], filesystem: MountedFilesystem, stop: StopSignal) throws(VerifyMediaError) -> Report {
        var options = self.options
        options.scope = .device
        let wanted = ranges.flatMap { device, list in list.map { DeviceRange(device, $0) } }
        return resolve(try Scanner(filesystem: filesystem, ranges: wanted, options: options, engine: engine, stop: stop).run(),
                       filesystem: filesystem)
    }

    /// Reads all allocated space, as `xfs_verify_media MNT` does.
    func verifyEverything(filesystem: MountedFilesystem, stop: StopSignal) throws(VerifyMediaError) -> Report {
        var options = self.options
        options.scope = .allocated
        return resolve(try Scanner(filesystem: filesystem, options: options, engine: engine, stop: stop).run(), filesystem: filesystem)
    }

    private func resolve(_ result: ScanResult, filesystem: MountedFilesystem) -> Report {
        let owners = OwnerResolver(filesystem: filesystem).resolve(result.badRanges)
        return Report(scan: result, badRanges: owners.ranges, errors: owners.errors)
    }
}
