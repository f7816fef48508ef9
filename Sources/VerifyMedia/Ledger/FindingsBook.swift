/// What one device's scan found. Adjacent bad sectors with the same errno
/// join into one range in constant time; so do adjacent unverified ones.
struct FindingsBook {
    /// Where a bad range ends, to extend it when the next sector is bad too.
    private struct RangeEnd: Hashable {
        let error: Errno
        let reported: Bool
        let end: UInt64
    }

    let device: DeviceRole
    private(set) var bad: [BadRange] = []
    private var badEnds: [RangeEnd: Int] = [:]
    private(set) var unverified: [UnverifiedRange] = []
    private(set) var flaky: [FlakyRange] = []
    private(set) var errors: [String] = []

    init(device: DeviceRole) { self.device = device }

    mutating func addBad(_ range: ByteRange, _ error: Errno, reportedToKernel: Bool) {
        let key = RangeEnd(error: error, reported: reportedToKernel, end: range.start)
        if let index = badEnds.removeValue(forKey: key) {
            bad[index].range.end = range.end
            badEnds[RangeEnd(error: error, reported: reportedToKernel, end: range.end)] = index
        } else {
            bad.append(BadRange(device: device, range: range, error: error, reportedToKernel: reportedToKernel))
            badEnds[RangeEnd(error: error, reported: reportedToKernel, end: range.end)] = bad.count - 1
        }
    }

    mutating func addUnverified(_ range: ByteRange, _ error: Errno, _ reason: UnverifiedReason) {
        if let index = unverified.lastIndex(where: { $0.error == error && $0.reason == reason && $0.range.end == range.start }) {
            unverified[index].range.end = range.end
        } else {
            unverified.append(UnverifiedRange(device: device, range: range, error: error, reason: reason))
        }
    }

    mutating func addFlaky(_ range: ByteRange, _ error: Errno?) {
        flaky.append(FlakyRange(device: device, range: range, error: error))
    }

    mutating func addError(_ message: String) { errors.append(message) }

    /// The findings in physical order, keeping only those `keep` accepts.
    func sorted(keeping keep: (ByteRange) -> Bool = { _ in true }) -> (bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange]) {
        (bad.filter { keep($0.range) }.sorted { $0.range.start < $1.range.start },
         unverified.filter { keep($0.range) }.sorted { $0.range.start < $1.range.start },
         flaky.filter { keep($0.range) }.sorted { $0.range.start < $1.range.start })
    }
}
