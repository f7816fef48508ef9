// Numbers computed by gcc on x86_64 from the Linux 7.0 header xfs_fs.h
// (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct ScrubABITests {
    @Test func scrubMetadata() {
        expectLayout(of: xfs_scrub_metadata(), size: 64, alignment: 8, offsets: [
            \.sm_type: 0,
            \.sm_flags: 4,
            \.sm_ino: 8,
            \.sm_gen: 16,
            \.sm_agno: 20,
            \.sm_reserved: 24,
        ])
    }
}
