// Numbers computed by gcc on x86_64 from the Linux 7.0 header xfs_fs.h
// (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct GeometryABITests {
    @Test func fsopGeomV5() {
        expectLayout(of: xfs_fsop_geom(), size: 256, alignment: 8, offsets: [
            \.blocksize: 0,
            \.rtextsize: 4,
            \.agblocks: 8,
            \.agcount: 12,
            \.logblocks: 16,
            \.sectsize: 20,
            \.inodesize: 24,
            \.imaxpct: 28,
            \.datablocks: 32,
            \.rtblocks: 40,
            \.rtextents: 48,
            \.logstart: 56,
            \.uuid: 64,
            \.sunit: 80,
            \.swidth: 84,
            \.version: 88,
            \.flags: 92,
            \.logsectsize: 96,
            \.rtsectsize: 100,
            \.dirblocksize: 104,
            \.logsunit: 108,
            \.sick: 112,
            \.checked: 116,
            \.rgextents: 120,
            \.rgcount: 124,
            \.rtstart: 128,
            \.rtreserved: 136,
            \.reserved: 144,
        ])
        #expect(MemoryLayout.size(ofValue: xfs_fsop_geom().uuid) == 16)
        #expect(MemoryLayout.size(ofValue: xfs_fsop_geom().reserved) == 112)
    }

    @Test func agGeometry() {
        expectLayout(of: xfs_ag_geometry(), size: 128, alignment: 8, offsets: [
            \.ag_number: 0,
            \.ag_length: 4,
            \.ag_freeblks: 8,
            \.ag_icount: 12,
            \.ag_ifree: 16,
            \.ag_sick: 20,
            \.ag_checked: 24,
            \.ag_flags: 28,
            \.ag_reserved: 32,
        ])
    }

    @Test func rtgroupGeometry() {
        expectLayout(of: xfs_rtgroup_geometry(), size: 128, alignment: 4, offsets: [
            \.rg_number: 0,
            \.rg_length: 4,
            \.rg_sick: 8,
            \.rg_checked: 12,
            \.rg_flags: 16,
            \.rg_reserved: 20,
        ])
    }

    @Test func geometryFlags() {
        #expect(XFS_FSOP_GEOM_VERSION_V5 == 5)
        #expect(XFS_FSOP_GEOM_FLAGS_RMAPBT == 0x0008_0000)
        #expect(XFS_FSOP_GEOM_FLAGS_REFLINK == 0x0010_0000)
        #expect(XFS_FSOP_GEOM_FLAGS_PARENT == 0x0200_0000)
        #expect(XFS_FSOP_GEOM_FLAGS_METADIR == 0x0400_0000)
        #expect(XFS_FSOP_GEOM_FLAGS_ZONED == 0x0800_0000)
    }
}
