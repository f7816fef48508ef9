/// Where the realtime section and its groups lie on the block device that
/// holds them, in bytes from the start of that device.
///
/// Groups follow each other without gaps, from the start of the rt device
/// or, on a zoned filesystem with an internal rt section, from `rtstart`
/// on the data device. On a zoned block device each group fills one zone
/// whose usable capacity may be smaller than the zone: there groups start
/// at multiples of the zone size (the group size rounded up to a power of
/// two: the kernel's `1 << rgblklog` for XFS_SB_FEAT_INCOMPAT_ZONE_GAPS).
struct RealtimeGroups: Equatable {
    /// Where the section begins on its block device.
    let start: UInt64
    /// Usable bytes of each group (the last one may have fewer).
    let groupBytes: UInt64
    /// Bytes from one group's start to the next.
    let stride: UInt64
    /// Groups; 0 on filesystems without realtime groups.
    let count: Int
    /// Usable bytes of the whole section.
    let totalBytes: UInt64

    init(geometry: FilesystemGeometry, device: BlockDevice) {
        start = device.section.start
        groupBytes = geometry.rtGroupBytes
        count = groupBytes > 0 ? geometry.rgCount : 0
        totalBytes = geometry.rtBytes
        stride = device.isZoned && groupBytes > 0 ? RealtimeGroups.powerOfTwo(atLeast: groupBytes / geometry.blockSize) * geometry.blockSize
                                                  : groupBytes
    }

    /// The bytes of group `index` (the whole section without groups).
    func range(of index: Int) -> ByteRange {
        guard count > 0 else { return ByteRange(start, start + totalBytes) }
        let groupStart = start + UInt64(index) * stride
        let usable = index == count - 1 ? totalBytes - UInt64(count - 1) * groupBytes : groupBytes
        return ByteRange(groupStart, groupStart + usable)
    }

    /// Where the section's last byte in use ends.
    var end: UInt64 { count > 0 ? range(of: count - 1).end : start + totalBytes }

    /// How far the kernel's space map (GETFSMAP) and XFS_IOC_VERIFY_MEDIA
    /// reach on the rt device: the rt block count from the section start,
    /// gaps or not (Linux 7.2). Past it, on a zoned device with gaps, lie
    /// the last groups, which the kernel then neither maps nor verifies.
    var mappedEnd: UInt64 { start + totalBytes }

    /// The group holding the byte at `offset`, or nil (no groups, or a gap).
    func group(containing offset: UInt64) -> Int? {
        guard count > 0, offset >= start, stride > 0 else { return nil }
        let index = Int((offset - start) / stride)
        return index < count && range(of: index).end > offset ? index : nil
    }

    static func powerOfTwo(atLeast value: UInt64) -> UInt64 {
        value <= 1 ? 1 : 1 << (64 - (value - 1).leadingZeroBitCount)
    }
}
