import CXFS
import Glibc

/// What a zoned block device holds, zone by zone (BLKREPORTZONE): a
/// sequential zone is written from its start up to its write pointer (up to
/// its capacity once full) and holds nothing past it; a conventional zone
/// may hold anything. It stands in for GETFSMAP where the kernel's space
/// map of a zoned rt device does not reach (`RealtimeGroups.mappedEnd`), and
/// bounds `--scope device` there, since reads past a write pointer may fail.
enum WrittenZones {
    /// The written parts of `range` of the zoned device at `path`.
    static func ranges(path: String, within range: ByteRange) throws(Errno) -> [ByteRange] {
        let fd = try FileDescriptor.open(path, O_RDONLY)
        defer { fd.close() }
        let capacity = 64
        let size = MemoryLayout<blk_zone_report>.size + capacity * MemoryLayout<blk_zone>.size
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        let report = buffer.assumingMemoryBound(to: blk_zone_report.self)
        let zones = (buffer + MemoryLayout<blk_zone_report>.size).assumingMemoryBound(to: blk_zone.self)
        var written: [ByteRange] = []
        var sector = range.start >> 9
        while sector < range.end >> 9 {
            buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            report.pointee.sector = sector
            report.pointee.nr_zones = UInt32(capacity)
            _ = try fd.ioctl(CXFS_BLKREPORTZONE, buffer)
            let count = Int(report.pointee.nr_zones)
            if count == 0 { break }
            let hasCapacity = report.pointee.flags & UInt32(BLK_ZONE_REP_CAPACITY.rawValue) != 0
            for zone in UnsafeBufferPointer(start: zones, count: count) {
                if let part = WrittenZones.written(zone, hasCapacity: hasCapacity)?.clamped(to: range), !part.isEmpty {
                    written.appendCoalescing(part)
                }
            }
            let last = zones[count - 1]
            sector = last.start + last.len
        }
        return written
    }

    /// The bytes of one zone that may hold data, or nil.
    static func written(_ zone: blk_zone, hasCapacity: Bool) -> ByteRange? {
        let start = zone.start << 9
        let usable = (hasCapacity ? zone.capacity : zone.len) << 9
        switch UInt32(zone.cond) {
        case BLK_ZONE_COND_EMPTY.rawValue:
            return nil
        case BLK_ZONE_COND_NOT_WP.rawValue, BLK_ZONE_COND_FULL.rawValue, BLK_ZONE_COND_READONLY.rawValue,
             BLK_ZONE_COND_OFFLINE.rawValue:
            // Offline zones cannot be read: reading them reports what they held as lost.
            return ByteRange(start, start + usable)
        default:
            return ByteRange(start, min(zone.wp << 9, start + usable))
        }
    }
}

/// The written parts of a lane of a zoned device, in one batch.
struct WrittenZonesSource: ExtentSource {
    let path: String
    let range: ByteRange
    var done = false

    mutating func nextBatch(into extents: inout [ByteRange]) throws(Errno) -> Bool {
        if done || range.isEmpty { return false }
        done = true
        extents += try WrittenZones.ranges(path: path, within: range)
        return true
    }
}

/// One source after the other (their ranges in physical order).
struct ChainedSource: ExtentSource {
    var sources: [any ExtentSource]
    /// Records of the sources already used up.
    private var recordsBefore: UInt64 = 0

    init(sources: [any ExtentSource]) { self.sources = sources }

    mutating func nextBatch(into extents: inout [ByteRange]) throws(Errno) -> Bool {
        while !sources.isEmpty {
            if try sources[0].nextBatch(into: &extents) { return true }
            recordsBefore += sources.removeFirst().records
        }
        return false
    }

    var records: UInt64 { recordsBefore + (sources.first?.records ?? 0) }
}

/// Where the extents of each lane come from: the space map where a lane
/// is `mapped`, else all of it; on a zoned rt device only what its zones
/// hold up to their write pointers where GETFSMAP does not decide.
enum LaneSources {
    static func source(for lane: Lane, of device: BlockDevice, mount: MountAccess, scope: ScanScope,
                       timer: SpaceMapTimer?) -> any ExtentSource {
        let zoned = device.role == .rt && device.isZoned
        func spaceMap(_ range: ByteRange) -> any ExtentSource {
            if lane.mapped {
                return FsmapExtentSource(stream: FsmapStream(mount: mount, device: mount.filesystem.fsmapDeviceNumber(device),
                                                             start: range.start, end: range.end, timer: timer),
                                         scope: scope)
            }
            return zoned ? WrittenZonesSource(path: device.path, range: range) : WholeRangeSource(range: range)
        }
        guard zoned && lane.mapped else { return spaceMap(lane.range) }
        // GETFSMAP maps the rt device only up to the filesystem's rt block
        // count; with zone gaps later groups lie past it (Linux 7.2).
        let mappedEnd = RealtimeGroups(geometry: mount.filesystem.geometry, device: device).mappedEnd
        guard lane.range.end > mappedEnd else { return spaceMap(lane.range) }
        let split = max(lane.range.start, mappedEnd)
        return ChainedSource(sources: [spaceMap(ByteRange(lane.range.start, split)),
                                       WrittenZonesSource(path: device.path, range: ByteRange(split, lane.range.end))])
    }
}
