/// Media errors waiting to be verified, so that a storm of events becomes
/// a few verifications: per device the reported ranges are widened by the
/// neighbourhood (bad sectors cluster) and merged, and a range that a
/// verification already read after the error was reported is dropped. That
/// also absorbs the events a verification causes itself: the kernel engine
/// reports each bad sector it pinpoints, and those events arrive while the
/// verification that found them runs.
struct MediaBacklog: Sendable {
    struct Report: Sendable, Equatable {
        let range: ByteRange
        /// When the kernel queued the event (ns since the epoch).
        let time: UInt64
    }

    private struct Verified {
        let range: ByteRange
        /// When the verification that read it ended.
        let finished: UInt64
    }

    let neighbourhood: UInt64
    private var pending: [DeviceRole: [Report]] = [:]
    /// Each device's section (`BlockDevice.section`) learnt from verifications:
    /// what lies outside is not that device's to read.
    private var sections: [DeviceRole: ByteRange] = [:]
    private var verified: [DeviceRole: [Verified]] = [:]
    private let verifiedLimit = 1024

    init(neighbourhood: UInt64) { self.neighbourhood = neighbourhood }

    var isEmpty: Bool { pending.values.allSatisfy(\.isEmpty) }

    /// Adds a reported range; false when a verification that ended after
    /// the report already covered it.
    @discardableResult
    mutating func add(_ device: DeviceRole, _ range: ByteRange, time: UInt64) -> Bool {
        guard !range.isEmpty, !isCovered(device, range, time: time) else { return false }
        pending[device, default: []].append(Report(range: range, time: time))
        return true
    }

    /// The next device with work, and its ranges to read: widened by the
    /// neighbourhood, aligned to `sector`, within `section` (the bytes of
    /// the block device that are the device's: all of it but on a zoned
    /// filesystem with an internal rt section), merged, sorted.
    /// The reports stay pending until `verified` covers them.
    func next(sector: (DeviceRole) -> UInt64, section: (DeviceRole) -> ByteRange) -> (DeviceRole, [ByteRange])? {
        guard let device = DeviceRole.allCases.first(where: { !(pending[$0] ?? []).isEmpty }) else { return nil }
        let alignment = max(sector(device), 512)
        let limits = section(device)
        var ranges: [ByteRange] = []
        for report in pending[device]!.sorted(by: { $0.range.start < $1.range.start }) {
            let start = report.range.start > neighbourhood ? report.range.start - neighbourhood : 0
            let stop = report.range.end > UInt64.max - neighbourhood ? UInt64.max : report.range.end + neighbourhood
            let widened = ByteRange(start / alignment * alignment, stop / alignment * alignment + (stop % alignment == 0 ? 0 : alignment))
                .clamped(to: limits)
            if !widened.isEmpty { ranges.appendCoalescing(widened) }
        }
        return (device, ranges)
    }

    /// Records what a verification read, and drops every pending report it
    /// covered. `finished`: when it ended (ns since the epoch); `section`:
    /// the device's.
    mutating func verified(_ device: DeviceRole, _ ranges: [ByteRange], finished: UInt64, section: ByteRange) {
        sections[device] = section
        verified[device, default: []] += ranges.map { Verified(range: $0, finished: finished) }
        if verified[device]!.count > verifiedLimit { verified[device]!.removeFirst(verified[device]!.count - verifiedLimit) }
        pending[device] = pending[device]?.filter { !isCovered(device, $0.range, time: $0.time) }
    }

    /// A scan of everything that started at `started`: reports older than
    /// that are covered; newer ones stay.
    mutating func scannedEverything(started: UInt64) {
        for device in pending.keys { pending[device] = pending[device]!.filter { $0.time >= started } }
    }

    /// Reports nobody verified because a device could not be read: dropped
    /// (the verification's report says why).
    mutating func discard(_ device: DeviceRole) { pending[device] = nil }

    private func isCovered(_ device: DeviceRole, _ reported: ByteRange, time: UInt64) -> Bool {
        let range = sections[device].map { reported.clamped(to: $0) } ?? reported
        if range.isEmpty { return true }
        return (verified[device] ?? []).contains { $0.finished >= time && $0.range.start <= range.start && range.end <= $0.range.end }
    }
}
