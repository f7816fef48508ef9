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
    /// When each bad range last grew (monotonic ns; 0 for one restored from
    /// a checkpoint).
    private var badFound: [UInt64] = []
    private var badEnds: [RangeEnd: Int] = [:]
    private(set) var unverified: [UnverifiedRange] = []
    private(set) var flaky: [FlakyRange] = []
    private(set) var errors: [String] = []

    init(device: DeviceRole) { self.device = device }

    mutating func addBad(_ range: ByteRange, _ error: Errno, reportedToKernel: Bool, now: UInt64 = 0) {
        let key = RangeEnd(error: error, reported: reportedToKernel, end: range.start)
        if let index = badEnds.removeValue(forKey: key) {
            bad[index].range.end = range.end
            badFound[index] = now
            badEnds[RangeEnd(error: error, reported: reportedToKernel, end: range.end)] = index
        } else {
            bad.append(BadRange(device: device, range: range, error: error, reportedToKernel: reportedToKernel))
            badFound.append(now)
            badEnds[RangeEnd(error: error, reported: reportedToKernel, end: range.end)] = bad.count - 1
        }
    }

    /// Bad ranges found after `time` become unverified, the device gone:
    /// returns their bytes.
    mutating func setAsideBad(foundAfter time: UInt64) -> UInt64 {
        let late = bad.indices.filter { badFound[$0] > time }
        guard !late.isEmpty else { return 0 }
        for index in late { addUnverified(bad[index].range, bad[index].error, .deviceGone) }
        let bytes = late.reduce(0) { $0 + bad[$1].range.count }
        let kept = bad.indices.filter { badFound[$0] <= time }
        bad = kept.map { bad[$0] }
        badFound = kept.map { badFound[$0] }
        badEnds = Dictionary(uniqueKeysWithValues: bad.enumerated().map { index, range in
            (RangeEnd(error: range.error, reported: range.reportedToKernel, end: range.range.end), index)
        })
        return bytes
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
