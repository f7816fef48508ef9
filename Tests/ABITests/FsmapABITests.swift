// Numbers computed by gcc on x86_64 from <linux/fsmap.h> and the Linux 7.0
// header xfs_fs.h (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7);
// see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct FsmapABITests {
    @Test func fsmapRecord() {
        expectLayout(of: fsmap(), size: 64, alignment: 8, offsets: [
            \.fmr_device: 0,
            \.fmr_flags: 4,
            \.fmr_physical: 8,
            \.fmr_owner: 16,
            \.fmr_offset: 24,
            \.fmr_length: 32,
            \.fmr_reserved: 40,
        ])
    }

    @Test func fsmapHead() {
        // fmh_recs[] (a flexible array member, offset 192 = sizeof) is not
        // imported by Swift; the size check covers where the records start.
        expectLayout(of: fsmap_head(), size: 192, alignment: 8, offsets: [
            \.fmh_iflags: 0,
            \.fmh_oflags: 4,
            \.fmh_count: 8,
            \.fmh_entries: 12,
            \.fmh_reserved: 16,
            \.fmh_keys: 64,
        ])
        #expect(MemoryLayout.size(ofValue: fsmap_head().fmh_keys) == 128)
    }

    @Test func fsmapFlags() {
        #expect(FMH_OF_DEV_T == 0x1)
        #expect(FMR_OF_PREALLOC == 0x1)
        #expect(FMR_OF_ATTR_FORK == 0x2)
        #expect(FMR_OF_EXTENT_MAP == 0x4)
        #expect(FMR_OF_SHARED == 0x8)
        #expect(FMR_OF_SPECIAL_OWNER == 0x10)
        #expect(FMR_OF_LAST == 0x20)
    }

    @Test func xfsSpecialOwners() {
        #expect(CXFS_XFS_FMR_OWN_FREE == 0x0000_0000_0000_0001)
        #expect(CXFS_XFS_FMR_OWN_UNKNOWN == 0x0000_0000_0000_0002)
        #expect(CXFS_XFS_FMR_OWN_FS == 0x0000_0058_0000_0001)
        #expect(CXFS_XFS_FMR_OWN_LOG == 0x0000_0058_0000_0002)
        #expect(CXFS_XFS_FMR_OWN_AG == 0x0000_0058_0000_0003)
        #expect(CXFS_XFS_FMR_OWN_INOBT == 0x0000_0058_0000_0004)
        #expect(CXFS_XFS_FMR_OWN_INODES == 0x0000_0058_0000_0005)
        #expect(CXFS_XFS_FMR_OWN_REFC == 0x0000_0058_0000_0006)
        #expect(CXFS_XFS_FMR_OWN_COW == 0x0000_0058_0000_0007)
        #expect(CXFS_XFS_FMR_OWN_DEFECTIVE == 0x0000_0058_0000_0008)
    }
}
