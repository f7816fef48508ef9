import Glibc

extension Scanner {
    /// A checkpoint of the scan as it stands, including what `earlier`
    /// (the checkpoint this scan resumed) had: per lane the point before
    /// which everything in scope is settled, the byte totals and findings
    /// of the settled parts, and what is still to be read again.
    public func checkpoint(resuming earlier: Checkpoint?, seconds: Double) -> Checkpoint {
        var devices: [Checkpoint.DeviceMark] = []
        var bad: [BadRange] = [], unverified: [UnverifiedRange] = [], flaky: [FlakyRange] = []
        for pipeline in pipelines {
            var part = pipeline.ledger.checkpointMark()
            if let before = earlier?.devices.first(where: { $0.role == pipeline.device.role }) {
                part.mark.bytesPlanned += before.bytesPlanned
                part.mark.bytesVerified += before.bytesVerified
                part.mark.bytesRead += before.bytesRead
            }
            devices.append(part.mark)
            bad += part.bad
            unverified += part.unverified
            flaky += part.flaky
        }
        return Checkpoint(fsUuid: filesystem.geometry.uuid, scope: scope, saved: Double(time(nil)),
                          seconds: (earlier?.seconds ?? 0) + seconds, devices: devices, badRanges: bad,
                          unverifiedRanges: unverified, flakyRanges: flaky)
    }
}

extension ScanResult {
    /// The result of a resumed scan, counting what the interrupted runs did.
    public func including(_ earlier: Checkpoint?) -> ScanResult {
        guard let earlier else { return self }
        var result = self
        result.seconds += earlier.seconds
        for index in result.devices.indices {
            guard let before = earlier.devices.first(where: { $0.role == result.devices[index].device.role }) else { continue }
            result.devices[index].bytesPlanned += before.bytesPlanned
            result.devices[index].bytesVerified += before.bytesVerified
            result.devices[index].bytesRead += before.bytesRead
            result.devices[index].seconds += earlier.seconds
        }
        return result
    }
}
