// Numbers computed by gcc on x86_64 from the Linux 7.0 header xfs_fs.h
// (ziuziakowska/linux @ bf7834835523001e82ba8d13c2090218d282fdb7); see ExpectLayout.swift.

import CXFS
import Testing

@Suite struct HealthMonitorABITests {
    @Test func healthMonitor() {
        expectLayout(of: xfs_health_monitor(), size: 32, alignment: 8, offsets: [
            \.flags: 0,
            \.format: 8,
            \.pad: 9,
        ])
    }

    @Test func fileOnMonitoredFs() {
        expectLayout(of: xfs_health_file_on_monitored_fs(), size: 8, alignment: 4, offsets: [
            \.fd: 0,
            \.flags: 4,
        ])
    }

    @Test func eventPayloads() {
        expectLayout(of: xfs_health_monitor_lost(), size: 8, alignment: 8, offsets: [
            \.count: 0,
        ])
        expectLayout(of: xfs_health_monitor_fs(), size: 4, alignment: 4, offsets: [
            \.mask: 0,
        ])
        expectLayout(of: xfs_health_monitor_group(), size: 8, alignment: 4, offsets: [
            \.mask: 0,
            \.gno: 4,
        ])
        expectLayout(of: xfs_health_monitor_inode(), size: 16, alignment: 8, offsets: [
            \.mask: 0,
            \.gen: 4,
            \.ino: 8,
        ])
        expectLayout(of: xfs_health_monitor_shutdown(), size: 4, alignment: 4, offsets: [
            \.reasons: 0,
        ])
        expectLayout(of: xfs_health_monitor_filerange(), size: 32, alignment: 8, offsets: [
            \.pos: 0,
            \.len: 8,
            \.ino: 16,
            \.gen: 24,
            \.error: 28,
        ])
        expectLayout(of: xfs_health_monitor_media(), size: 16, alignment: 8, offsets: [
            \.daddr: 0,
            \.bbcount: 8,
        ])
    }

    @Test func event() {
        expectLayout(of: xfs_health_monitor_event(), size: 64, alignment: 8, offsets: [
            \.domain: 0,
            \.type: 4,
            \.time_ns: 8,
            \.e: 16,
            \.pad: 48,
        ])
        // e is a union of the payload structs above. Swift imports union
        // members as computed properties (offset(of:) is nil for them); all
        // sit at offset 0 of the union by definition, so check its own layout.
        let e = xfs_health_monitor_event().e
        #expect(MemoryLayout.size(ofValue: e) == 32)
        #expect(MemoryLayout.alignment(ofValue: e) == 8)
    }

    @Test func monitorFlagsAndFormat() {
        #expect(XFS_HEALTH_MONITOR_VERBOSE == 0x1)
        #expect(XFS_HEALTH_MONITOR_FMT_V0 == 0)
    }

    @Test func domains() {
        #expect(XFS_HEALTH_MONITOR_DOMAIN_MOUNT == 0)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_FS == 1)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_AG == 2)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_INODE == 3)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_RTGROUP == 4)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_DATADEV == 5)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_RTDEV == 6)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_LOGDEV == 7)
        #expect(XFS_HEALTH_MONITOR_DOMAIN_FILERANGE == 8)
    }

    @Test func types() {
        #expect(XFS_HEALTH_MONITOR_TYPE_RUNNING == 0)
        #expect(XFS_HEALTH_MONITOR_TYPE_LOST == 1)
        #expect(XFS_HEALTH_MONITOR_TYPE_UNMOUNT == 2)
        #expect(XFS_HEALTH_MONITOR_TYPE_SICK == 3)
        #expect(XFS_HEALTH_MONITOR_TYPE_CORRUPT == 4)
        #expect(XFS_HEALTH_MONITOR_TYPE_HEALTHY == 5)
        #expect(XFS_HEALTH_MONITOR_TYPE_SHUTDOWN == 6)
        #expect(XFS_HEALTH_MONITOR_TYPE_MEDIA_ERROR == 7)
        #expect(XFS_HEALTH_MONITOR_TYPE_BUFREAD == 8)
        #expect(XFS_HEALTH_MONITOR_TYPE_BUFWRITE == 9)
        #expect(XFS_HEALTH_MONITOR_TYPE_DIOREAD == 10)
        #expect(XFS_HEALTH_MONITOR_TYPE_DIOWRITE == 11)
        #expect(XFS_HEALTH_MONITOR_TYPE_DATALOST == 12)
    }
}
