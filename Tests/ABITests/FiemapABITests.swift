// Numbers computed by gcc on x86_64 from <linux/fiemap.h> and <linux/fs.h>
// (used for owners on filesystems without rmapbt); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct FiemapABITests {
    @Test func fiemapHeader() {
        // fm_extents[] (offset 32 = sizeof) is a flexible array member.
        expectLayout(of: fiemap(), size: 32, alignment: 8, offsets: [
            \.fm_start: 0,
            \.fm_length: 8,
            \.fm_flags: 16,
            \.fm_mapped_extents: 20,
            \.fm_extent_count: 24,
            \.fm_reserved: 28,
        ])
    }

    @Test func fiemapExtent() {
        expectLayout(of: fiemap_extent(), size: 56, alignment: 8, offsets: [
            \.fe_logical: 0,
            \.fe_physical: 8,
            \.fe_length: 16,
            \.fe_reserved64: 24,
            \.fe_flags: 40,
            \.fe_reserved: 44,
        ])
    }

    @Test func fsxattrFlags() {
        #expect(MemoryLayout<fsxattr>.size == 28)
        #expect(MemoryLayout<fsxattr>.offset(of: \.fsx_xflags) == 0)
        #expect(FS_XFLAG_REALTIME == 0x1)
        #expect(FIEMAP_FLAG_XATTR == 0x2)
        #expect(FIEMAP_EXTENT_LAST == 0x1)
        #expect(FIEMAP_EXTENT_UNWRITTEN == 0x800)
    }

    @Test func ioctlNumbers() {
        #expect(CXFS_FS_IOC_FIEMAP == 0xC020_660B)
        #expect(CXFS_FS_IOC_FSGETXATTR == 0x801C_581F)
    }
}
