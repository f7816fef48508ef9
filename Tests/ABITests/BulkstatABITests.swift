// Numbers computed by gcc on x86_64 from the Linux 7.0 header xfs_fs.h
// (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct BulkstatABITests {
    @Test func bulkstat() {
        expectLayout(of: xfs_bulkstat(), size: 192, alignment: 8, offsets: [
            \.bs_ino: 0,
            \.bs_size: 8,
            \.bs_blocks: 16,
            \.bs_xflags: 24,
            \.bs_atime: 32,
            \.bs_mtime: 40,
            \.bs_ctime: 48,
            \.bs_btime: 56,
            \.bs_gen: 64,
            \.bs_uid: 68,
            \.bs_gid: 72,
            \.bs_projectid: 76,
            \.bs_atime_nsec: 80,
            \.bs_mtime_nsec: 84,
            \.bs_ctime_nsec: 88,
            \.bs_btime_nsec: 92,
            \.bs_blksize: 96,
            \.bs_rdev: 100,
            \.bs_cowextsize_blks: 104,
            \.bs_extsize_blks: 108,
            \.bs_nlink: 112,
            \.bs_extents: 116,
            \.bs_aextents: 120,
            \.bs_version: 124,
            \.bs_forkoff: 126,
            \.bs_sick: 128,
            \.bs_checked: 130,
            \.bs_mode: 132,
            \.bs_pad2: 134,
            \.bs_extents64: 136,
            \.bs_pad: 144,
        ])
    }

    @Test func bulkIreq() {
        expectLayout(of: xfs_bulk_ireq(), size: 64, alignment: 8, offsets: [
            \.ino: 0,
            \.flags: 8,
            \.icount: 12,
            \.ocount: 16,
            \.agno: 20,
            \.reserved: 24,
        ])
    }

    @Test func bulkstatReq() {
        // bulkstat[] (a flexible array member, offset 64 = sizeof) is not
        // imported by Swift; the size check covers where the records start.
        expectLayout(of: xfs_bulkstat_req(), size: 64, alignment: 8, offsets: [
            \.hdr: 0,
        ])
    }

    @Test func bulkIreqFlags() {
        #expect(XFS_BULK_IREQ_AGNO == 0x1)
        #expect(XFS_BULK_IREQ_SPECIAL == 0x2)
        #expect(XFS_BULK_IREQ_NREXT64 == 0x4)
        #expect(XFS_BULK_IREQ_METADIR == 0x8)
    }

    @Test func inumbers() {
        expectLayout(of: xfs_inumbers(), size: 24, alignment: 8, offsets: [
            \.xi_startino: 0,
            \.xi_allocmask: 8,
            \.xi_alloccount: 16,
            \.xi_version: 17,
            \.xi_padding: 18,
        ])
        // inumbers[] (offset 64 = sizeof) is a flexible array member.
        expectLayout(of: xfs_inumbers_req(), size: 64, alignment: 8, offsets: [\.hdr: 0])
    }
}
