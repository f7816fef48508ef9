// Offsets computed by gcc on x86_64 from <linux/blkzoned.h> (zone reports of
// zoned block devices, used to read a zoned rt device up to each zone's
// write pointer); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct ZoneReportABITests {
    @Test func zoneReportHeader() {
        // zones[] (offset 16 = sizeof) is a flexible array member.
        expectLayout(of: blk_zone_report(), size: 16, alignment: 8, offsets: [
            \.sector: 0,
            \.nr_zones: 8,
            \.flags: 12,
        ])
    }

    @Test func zone() {
        expectLayout(of: blk_zone(), size: 64, alignment: 8, offsets: [
            \.start: 0,
            \.len: 8,
            \.wp: 16,
            \.type: 24,
            \.cond: 25,
            \.non_seq: 26,
            \.reset: 27,
            \.resv: 28,
            \.capacity: 32,
            \.reserved: 40,
        ])
    }
}
