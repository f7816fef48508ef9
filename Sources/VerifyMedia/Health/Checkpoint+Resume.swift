extension Checkpoint {
    /// What a resumed scan of `device` takes over from this checkpoint,
    /// given the device's layout `lanes`: each lane resumes at its mark;
    /// findings are kept only where they lie before the marks (whatever
    /// lies after is read again, and found again); the ranges given up on
    /// before the marks are to be read again.
    func resumption(of device: BlockDevice, lanes: [Lane]) -> DeviceResumption {
        guard let mark = devices.first(where: { $0.role == device.role }) else { return DeviceResumption() }
        var resumption = DeviceResumption()
        resumption.settledBytes = mark.bytesPlanned
        var settled: [ByteRange] = []
        for (index, lane) in mark.lanes.enumerated() where index < lanes.count {
            resumption.resumeFrom[index] = lane.verifiedUpTo
            settled.appendCoalescing(ByteRange(lanes[index].range.start, max(lanes[index].range.start, lane.verifiedUpTo)))
        }
        /// The parts of `range` in settled space.
        func kept(_ range: ByteRange) -> [ByteRange] {
            settled.map { $0.clamped(to: range) }.filter { !$0.isEmpty }
        }
        for bad in badRanges where bad.device == device.role {
            resumption.bad += kept(bad.range).map { BadRange(device: bad.device, range: $0, error: bad.error,
                                                             reportedToKernel: bad.reportedToKernel) }
        }
        for flaky in flakyRanges where flaky.device == device.role {
            resumption.flaky += kept(flaky.range).map { FlakyRange(device: flaky.device, range: $0, error: flaky.error) }
        }
        for unverified in unverifiedRanges where unverified.device == device.role {
            resumption.retries += kept(unverified.range).map {
                UnverifiedRange(device: unverified.device, range: $0, error: unverified.error, reason: unverified.reason)
            }
        }
        return resumption
    }
}
