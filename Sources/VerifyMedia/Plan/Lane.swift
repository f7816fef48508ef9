/// A part of a device planned and tracked on its own: an allocation group,
/// a realtime group, the external log or the whole rt device, cut into
/// pieces of at most `LaneLayout.maximumLaneBytes` so that several space-map
/// streams can run ahead of the reads over one large, densely used group;
/// or one range a caller asked for (`LaneLayout.lanes(covering:)`).
/// Lanes are the unit of checkpoints and of per-group statistics.
public struct Lane: Sendable, Hashable {
    public let index: Int
    public let role: DeviceRole
    /// "ag 3", "rtgroup 1", "log", "rt"; "ag 3 @1G" for a later piece;
    /// "daddr 2048-4095" for a range asked for.
    public let name: String
    public let range: ByteRange
    /// True when the space map says which parts are in scope; false when
    /// all of the lane is (`--scope device`, and the external log, which
    /// is allocated whole and which GETFSMAP maps only from its start).
    public let mapped: Bool
}

public enum LaneLayout {
    /// The lanes of one device for a scope, in physical order: what a scan
    /// of the whole filesystem reads, and what a checkpoint records.
    public static func lanes(for device: BlockDevice, geometry: FilesystemGeometry, scope: ScanScope) -> [Lane] {
        var ranges: [(String, ByteRange)] = []
        let section = device.section
        switch device.role {
        case .data:
            let dataEnd = scope == .device ? section.end : min(geometry.dataBytes, section.end)
            for ag in 0..<geometry.agCount {
                let start = UInt64(ag) * geometry.agBytes
                let end = ag == geometry.agCount - 1 ? dataEnd : min(start + geometry.agBytes, dataEnd)
                if start < end { ranges.append(("ag \(ag)", ByteRange(start, end))) }
            }
        case .log:
            ranges.append(("log", ByteRange(0, scope == .device ? section.end : min(geometry.logBytes, section.end))))
        case .rt:
            let groups = RealtimeGroups(geometry: geometry, device: device)
            if groups.count > 0 {
                for group in 0..<groups.count {
                    var range = groups.range(of: group).clamped(to: section)
                    // The whole device: what lies between groups and after the
                    // last one too, except beyond a zone's capacity.
                    if scope == .device && !device.isZoned {
                        range.end = group == groups.count - 1 ? section.end : groups.range(of: group + 1).start
                    }
                    if !range.isEmpty { ranges.append(("rtgroup \(group)", range)) }
                }
            } else {
                let end = scope == .device ? section.end : min(groups.end, section.end)
                if section.start < end { ranges.append(("rt", ByteRange(section.start, end))) }
            }
        }
        let pieces = ranges.flatMap { name, range in
            stride(from: range.start, to: range.end, by: Int(maximumLaneBytes)).map { start in
                (start == range.start ? name : "\(name) @\((start - range.start) >> 30)G",
                 ByteRange(start, min(range.end, start + maximumLaneBytes)))
            }
        }
        return pieces.enumerated().map { index, entry in
            Lane(index: index, role: device.role, name: entry.0, range: entry.1, mapped: isMapped(device.role, scope))
        }
    }

    /// Lanes for ranges of one device a caller asked for, numbered from
    /// `firstIndex`: widened to whole logical sectors, clipped to the
    /// device, joined where they touch, in physical order.
    public static func lanes(covering ranges: [ByteRange], of device: BlockDevice, scope: ScanScope,
                             firstIndex: Int = 0) -> [Lane] {
        var joined: [ByteRange] = []
        let limits = device.section
        for range in ranges.sorted(by: { $0.start < $1.start }) {
            let piece = range.aligned(to: UInt64(device.logicalSectorSize)).clamped(to: limits)
            if !piece.isEmpty { joined.appendCoalescing(piece) }
        }
        return joined.enumerated().map { offset, range in
            Lane(index: firstIndex + offset, role: device.role, name: "daddr \(range.start >> 9)-\((range.end >> 9) - 1)",
                 range: range, mapped: isMapped(device.role, scope))
        }
    }

    /// Whether GETFSMAP decides what of a lane is read.
    static func isMapped(_ role: DeviceRole, _ scope: ScanScope) -> Bool {
        scope != .device && role != .log
    }

    /// 1 GiB: a piece GETFSMAP streams in well under a second even when
    /// densely fragmented, small enough that four of them planned at once
    /// keep ahead of the reads.
    static let maximumLaneBytes: UInt64 = 1 << 30
}
