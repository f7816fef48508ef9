/// Names the owners of each bad range with one GETFSMAP query over exactly
/// that range: cost in proportion to the number of bad ranges, not to the
/// size of the filesystem.
struct OwnerLookup {
    let filesystem: MountedFilesystem

    func owners(of bad: BadRange) throws(Errno) -> [Owner] {
        guard let device = filesystem.device(bad.device) else { return [.unknown] }
        // XFS reports an external log as one record from offset 0 and returns
        // nothing for a query that starts inside it: ask from the start.
        let stream = FsmapStream(filesystem: filesystem, device: filesystem.fsmapDeviceNumber(device),
                                 start: bad.device == .log ? 0 : bad.range.start, end: bad.range.end, batchSize: 256)
        var owners: [Owner] = []
        var covered: [ByteRange] = []
        while try stream.nextBatch({ record in
            let overlap = ByteRange(record.physical, record.end).clamped(to: bad.range)
            guard !overlap.isEmpty else { return }
            covered.append(overlap)
            let owner = owner(of: record, overlap: overlap, device: bad.device)
            if !owners.contains(owner) { owners.append(owner) }
        }) {}
        // Space no record describes (beyond the filesystem's end on the
        // device, for instance) belongs to nobody known.
        if !owners.contains(.unknown) && !covers(covered, bad.range) {
            owners.append(.unknown)
        }
        return owners.isEmpty ? [.unknown] : owners
    }

    private func covers(_ ranges: [ByteRange], _ target: ByteRange) -> Bool {
        var position = target.start
        for range in ranges.sorted(by: { $0.start < $1.start }) where range.start <= position {
            position = max(position, range.end)
        }
        return position >= target.end
    }

    private func owner(of record: FsmapRecord, overlap: ByteRange, device: DeviceRole) -> Owner {
        if record.isSpecialOwner {
            if record.isFree { return .free }
            if record.isUnknownOwner { return .unknown }
            return .metadata(what: MetadataKind.name(ofSpecialOwner: record.owner), group: group(of: overlap.start, on: device))
        }
        let fork: Fork = record.isExtentMap ? .bmbt : (record.isAttributeFork ? .attr : .data)
        return .file(FileOwner(inode: record.owner, generation: nil, fork: fork,
                               fileOffset: fork == .data ? record.offset + (overlap.start - record.physical) : nil,
                               length: overlap.count, unwritten: record.isUnwritten, paths: [], unlinked: false))
    }

    /// The allocation or realtime group holding `offset` of `device`.
    func group(of offset: UInt64, on device: DeviceRole) -> GroupLocation? {
        let geometry = filesystem.geometry
        switch device {
        case .data where geometry.agBytes > 0:
            return GroupLocation(kind: .ag, number: Int(offset / geometry.agBytes))
        case .rt:
            guard let device = filesystem.device(.rt),
                  let number = RealtimeGroups(geometry: geometry, device: device).group(containing: offset) else { return nil }
            return GroupLocation(kind: .rtgroup, number: number)
        default:
            return nil
        }
    }
}
