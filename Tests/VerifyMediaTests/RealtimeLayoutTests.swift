// Where the realtime section and its groups are planned: a separate rt
// device (with or without realtime groups), an rt section inside the data
// device (zoned, rtstart), and zoned devices whose groups start at zone
// boundaries. The real kernel checks the same on real filesystems
// (RealKernelRealtimeTests); these pin the arithmetic.
import CXFS
import Testing
@testable import VerifyMedia

private let MiB: UInt64 = 1 << 20

/// 4 KiB blocks, 4 AGs of 32 MiB (128 MiB data section).
private func geometry(rtBlocks: UInt64, rgExtents: UInt32 = 0, rgCount: UInt32 = 0, rtStart: UInt64 = 0,
                      zoned: Bool = false) -> FilesystemGeometry {
    var raw = xfs_fsop_geom_for_tests(blocksize: 4096, agblocks: 8192, agcount: 4, datablocks: 32768)
    raw.rtblocks = rtBlocks
    raw.rtextsize = 1
    raw.rtextents = rtBlocks
    raw.rgextents = rgExtents
    raw.rgcount = rgCount
    raw.rtstart = rtStart
    if zoned { raw.flags |= UInt32(XFS_FSOP_GEOM_FLAGS_ZONED) }
    return FilesystemGeometry(raw)
}

private func device(_ role: DeviceRole, size: UInt64, zoned: Bool = false) -> BlockDevice {
    BlockDevice(role: role, path: "/dev/null", major: 1, minor: 3, logicalSectorSize: 512, size: size,
                rotational: false, sysfsPath: "/nonexistent", isZoned: zoned)
}

@Suite struct RealtimeLayoutTests {
    @Test("a classic rt device is one lane from its start")
    func classicRealtimeDevice() {
        let geometry = geometry(rtBlocks: 40960)            // 160 MiB used of a 200 MiB device
        let rt = device(.rt, size: 200 * MiB)
        let lanes = LaneLayout.lanes(for: rt, geometry: geometry, scope: .allocated)
        #expect(lanes.map(\.name) == ["rt"])
        #expect(lanes.map(\.range) == [ByteRange(0, 160 * MiB)])
        #expect(LaneLayout.lanes(for: rt, geometry: geometry, scope: .device).map(\.range) == [ByteRange(0, 200 * MiB)])
    }

    @Test("one lane per realtime group on an rt device; the whole device reads to its end")
    func realtimeGroupsOnAnRtDevice() {
        let geometry = geometry(rtBlocks: 40960, rgExtents: 16384, rgCount: 3)   // 64 + 64 + 32 MiB
        let rt = device(.rt, size: 200 * MiB)
        let lanes = LaneLayout.lanes(for: rt, geometry: geometry, scope: .allocated)
        #expect(lanes.map(\.name) == ["rtgroup 0", "rtgroup 1", "rtgroup 2"])
        #expect(lanes.map(\.range) == [ByteRange(0, 64 * MiB), ByteRange(64 * MiB, 128 * MiB), ByteRange(128 * MiB, 160 * MiB)])
        #expect(LaneLayout.lanes(for: rt, geometry: geometry, scope: .device).last?.range == ByteRange(128 * MiB, 200 * MiB))
        let owners = OwnerLookupGroups(geometry: geometry, rt: rt)
        #expect(owners.group(at: 0) == 0)
        #expect(owners.group(at: 64 * MiB) == 1)
        #expect(owners.group(at: 159 * MiB) == 2)
        #expect(owners.group(at: 170 * MiB) == nil)
    }

    @Test("an internal rt section starts at rtstart on the data device; the data section ends there")
    func internalRealtimeSection() {
        // 128 MiB data section, then 16 rt groups of 8 MiB from rtstart (block 32768).
        let geometry = geometry(rtBlocks: 32768, rgExtents: 2048, rgCount: 16, rtStart: 32768, zoned: true)
        let whole = device(.data, size: 256 * MiB)
        let data = whole.section(.data, ByteRange(0, 128 * MiB))
        let rt = whole.section(.rt, ByteRange(128 * MiB, 256 * MiB))
        #expect(data.isSection && rt.isSection && !whole.isSection)
        #expect(LaneLayout.lanes(for: data, geometry: geometry, scope: .device).last?.range.end == 128 * MiB)
        let lanes = LaneLayout.lanes(for: rt, geometry: geometry, scope: .allocated)
        #expect(lanes.count == 16)
        #expect(lanes.first?.range == ByteRange(128 * MiB, 136 * MiB))
        #expect(lanes.last?.range == ByteRange(248 * MiB, 256 * MiB))
        #expect(lanes.allSatisfy { $0.role == .rt })
        #expect(OwnerLookupGroups(geometry: geometry, rt: rt).group(at: 137 * MiB) == 1)
        #expect(OwnerLookupGroups(geometry: geometry, rt: rt).group(at: 100 * MiB) == nil)
    }

    @Test("on a zoned device groups start at zone boundaries, and gaps are not read")
    func zoneGaps() {
        // Zones of 16 MiB holding 12 MiB each: groups of 3072 blocks, 8 of them.
        let gapped = geometry(rtBlocks: 8 * 3072, rgExtents: 3072, rgCount: 8, zoned: true)
        let rt = device(.rt, size: 128 * MiB, zoned: true)
        let groups = RealtimeGroups(geometry: gapped, device: rt)
        #expect(groups.stride == 16 * MiB)
        for scope in [ScanScope.allocated, .device] {
            let lanes = LaneLayout.lanes(for: rt, geometry: gapped, scope: scope)
            #expect(lanes.map(\.range) == (0..<8).map { ByteRange(UInt64($0) * 16 * MiB, UInt64($0) * 16 * MiB + 12 * MiB) })
        }
        #expect(groups.group(containing: 16 * MiB + 5) == 1)
        #expect(groups.group(containing: 13 * MiB) == nil)
        // Without gaps (a group fills its zone) the stride is the group.
        let full = RealtimeGroups(geometry: geometry(rtBlocks: 8 * 4096, rgExtents: 4096, rgCount: 8, zoned: true), device: rt)
        #expect(full.stride == 16 * MiB && full.range(of: 7) == ByteRange(112 * MiB, 128 * MiB))
    }
}

/// The group an owner lookup names for an offset of the rt device.
private struct OwnerLookupGroups {
    let lookup: OwnerLookup
    init(geometry: FilesystemGeometry, rt: BlockDevice) {
        lookup = OwnerLookup(filesystem: MountedFilesystem(mountPoint: "/nonexistent", geometry: geometry,
                                                            devices: [device(.data, size: 1 << 30), rt], fsmapUsesCookies: false))
    }
    func group(at offset: UInt64) -> Int? { lookup.group(of: offset, on: .rt)?.number }
}
