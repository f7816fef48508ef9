// Numbers computed by gcc on x86_64 from the Linux 7.0 header xfs_fs.h
// (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct VerifyMediaABITests {
    @Test func verifyMedia() {
        expectLayout(of: xfs_verify_media(), size: 40, alignment: 8, offsets: [
            \.me_dev: 0,
            \.me_flags: 4,
            \.me_start_daddr: 8,
            \.me_end_daddr: 16,
            \.me_ioerror: 24,
            \.me_max_io_size: 28,
            \.me_rest_us: 32,
            \.me_pad: 36,
        ])
    }

    @Test func devices() {
        #expect(MemoryLayout<xfs_device>.size == 4)
        #expect(XFS_DEV_DATA.rawValue == 1)
        #expect(XFS_DEV_LOG.rawValue == 2)
        #expect(XFS_DEV_RT.rawValue == 3)
    }

    @Test func flags() {
        #expect(XFS_VERIFY_MEDIA_REPORT == 0x1)
    }
}
