// Numbers computed by gcc on x86_64 from the Linux 7.0 header xfs_fs.h
// (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct HandleABITests {
    @Test func fsid() {
        expectLayout(of: xfs_fsid(), size: 8, alignment: 4, offsets: [
            \.val: 0,
        ])
    }

    @Test func fid() {
        expectLayout(of: xfs_fid(), size: 16, alignment: 8, offsets: [
            \.fid_len: 0,
            \.fid_pad: 2,
            \.fid_gen: 4,
            \.fid_ino: 8,
        ])
    }

    @Test func handle() {
        expectLayout(of: xfs_handle(), size: 24, alignment: 8, offsets: [
            \.ha_u: 0,
            \.ha_fid: 8,
        ])
        // ha_u is a union { __s64 align; xfs_fsid_t _ha_fsid; }. Swift imports
        // union members as computed properties (offset(of:) is nil for them);
        // both sit at offset 0 by definition, so check the union's own layout.
        let haU = xfs_handle().ha_u
        #expect(MemoryLayout.size(ofValue: haU) == 8)
        #expect(MemoryLayout.alignment(ofValue: haU) == 8)
    }

    @Test func fsopHandlereq() {
        expectLayout(of: xfs_fsop_handlereq(), size: 56, alignment: 8, offsets: [
            \.fd: 0,
            \.path: 8,
            \.oflags: 16,
            \.ihandle: 24,
            \.ihandlen: 32,
            \.ohandle: 40,
            \.ohandlen: 48,
        ])
    }

    @Test func attrlistCursor() {
        expectLayout(of: xfs_attrlist_cursor(), size: 16, alignment: 4, offsets: [
            \.opaque: 0,
        ])
    }

    @Test func getparentsRec() {
        // gpr_name[] (a flexible array member, offset 32 = sizeof) is not
        // imported by Swift; the size check covers where the name starts.
        expectLayout(of: xfs_getparents_rec(), size: 32, alignment: 8, offsets: [
            \.gpr_parent: 0,
            \.gpr_reclen: 24,
            \.gpr_reserved: 28,
        ])
    }

    @Test func getparents() {
        expectLayout(of: xfs_getparents(), size: 40, alignment: 8, offsets: [
            \.gp_cursor: 0,
            \.gp_iflags: 16,
            \.gp_oflags: 18,
            \.gp_bufsize: 20,
            \.gp_reserved: 24,
            \.gp_buffer: 32,
        ])
    }

    @Test func getparentsByHandle() {
        expectLayout(of: xfs_getparents_by_handle(), size: 64, alignment: 8, offsets: [
            \.gph_handle: 0,
            \.gph_request: 24,
        ])
    }

    @Test func getparentsFlags() {
        #expect(XFS_GETPARENTS_OFLAG_ROOT == 0x1)
        #expect(XFS_GETPARENTS_OFLAG_DONE == 0x2)
    }
}
