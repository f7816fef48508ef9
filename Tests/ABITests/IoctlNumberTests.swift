// Numbers computed by gcc on x86_64 from the Linux 7.0 header xfs_fs.h
// (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7), <linux/fsmap.h>
// and <linux/fs.h>; see ExpectLayout.swift. An ioctl number encodes the size
// of its argument, so these also catch a struct of the wrong size.

import CXFS
import Testing

@Suite struct IoctlNumberTests {
    @Test func generic() {
        #expect(CXFS_FS_IOC_GETFSMAP == 0xC0C0_583B)
        #expect(CXFS_FS_IOC_GETVERSION == 0x8008_7601)
    }

    @Test func geometry() {
        #expect(CXFS_XFS_IOC_FSGEOMETRY == 0x8100_587E)
        #expect(CXFS_XFS_IOC_AG_GEOMETRY == 0xC080_583D)
        #expect(CXFS_XFS_IOC_RTGROUP_GEOMETRY == 0xC080_5841)
    }

    @Test func handlesAndParents() {
        #expect(CXFS_XFS_IOC_PATH_TO_FSHANDLE == 0xC038_5868)
        #expect(CXFS_XFS_IOC_PATH_TO_HANDLE == 0xC038_5869)
        #expect(CXFS_XFS_IOC_FD_TO_HANDLE == 0xC038_586A)
        #expect(CXFS_XFS_IOC_OPEN_BY_HANDLE == 0xC038_586B)
        #expect(CXFS_XFS_IOC_GETPARENTS == 0xC028_583E)
        #expect(CXFS_XFS_IOC_GETPARENTS_BY_HANDLE == 0xC040_583F)
    }

    @Test func bulkstatAndScrub() {
        #expect(CXFS_XFS_IOC_BULKSTAT == 0x8040_587F)
        #expect(CXFS_XFS_IOC_INUMBERS == 0x8040_5880)
        #expect(CXFS_XFS_IOC_SCRUB_METADATA == 0xC040_583C)
    }

    @Test func healthMonitorAndVerifyMedia() {
        #expect(CXFS_XFS_IOC_HEALTH_MONITOR == 0x4020_5844)
        #expect(CXFS_XFS_IOC_HEALTH_FD_ON_MONITORED_FS == 0x4008_5845)
        #expect(CXFS_XFS_IOC_VERIFY_MEDIA == 0xC028_5846)
    }

    @Test func blockDevice() {
        #expect(CXFS_BLKSSZGET == 0x1268)
        #expect(CXFS_BLKPBSZGET == 0x127B)
        #expect(CXFS_BLKGETSIZE64 == 0x8008_1272)
        #expect(CXFS_BLKREPORTZONE == 0xC010_1282)
    }
}
