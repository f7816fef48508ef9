/// One read the engines issue: a sector-aligned range of one device, at
/// most one I/O size long, with the parts of it that are in scope. The
/// rest of the range is small gaps between extents, read because one
/// larger read is cheaper than two; errors in gaps are not reported.
public struct Chunk: Sendable {
    public let lane: Int
    public let range: ByteRange
    public let scope: [ByteRange]

    public var length: Int { Int(range.count) }
    public var scopeBytes: UInt64 { scope.totalBytes }
}

/// A part of a device planned and tracked on its own: an allocation group,
/// a realtime group, the external log or the whole rt device, cut into
/// pieces of at most `LaneLayout.maximumLaneBytes` so that several space-map
/// streams can run ahead of the reads over one large, densely used group.
/// Lanes are the unit of checkpoints and of per-group statistics.
public struct Lane: Sendable, Codable, Hashable {
    public let index: Int
    public let role: DeviceRole
    /// "ag 3", "rtgroup 1", "log", "rt"; "ag 3 @1G" for a later piece.
    public let name: String
    public let range: ByteRange
}

enum LaneLayout {
    /// The lanes of one device for a scope, in physical order.
    static func lanes(for device: BlockDevice, geometry: FilesystemGeometry, scope: ScanScope) -> [Lane] {
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
            Lane(index: index, role: device.role, name: entry.0, range: entry.1)
        }
    }

    /// 1 GiB: a piece GETFSMAP streams in well under a second even when
    /// densely fragmented, small enough that four of them planned at once
    /// keep ahead of the reads.
    static let maximumLaneBytes: UInt64 = 1 << 30
}
