// What watch mode uses: online repair, the health masks, shutdown reasons,
// FICLONERANGE, and fanotify's mount events. Numbers from the Linux 7.0
// xfs_fs.h (see ExpectLayout.swift) and, for fanotify, from the kernel's
// include/uapi/linux/fanotify.h as of 6.15 (mount events) and
// include/uapi/linux/fs.h, computed by gcc 12 on x86_64.

import CXFS
import Testing

@Suite struct WatchABITests {
    @Test func scrubTypes() {
        let types: [(Int32, Int32)] = [
            (XFS_SCRUB_TYPE_PROBE, 0), (XFS_SCRUB_TYPE_SB, 1), (XFS_SCRUB_TYPE_AGF, 2), (XFS_SCRUB_TYPE_AGFL, 3),
            (XFS_SCRUB_TYPE_AGI, 4), (XFS_SCRUB_TYPE_BNOBT, 5), (XFS_SCRUB_TYPE_CNTBT, 6), (XFS_SCRUB_TYPE_INOBT, 7),
            (XFS_SCRUB_TYPE_FINOBT, 8), (XFS_SCRUB_TYPE_RMAPBT, 9), (XFS_SCRUB_TYPE_REFCNTBT, 10),
            (XFS_SCRUB_TYPE_INODE, 11), (XFS_SCRUB_TYPE_BMBTD, 12), (XFS_SCRUB_TYPE_BMBTA, 13),
            (XFS_SCRUB_TYPE_BMBTC, 14), (XFS_SCRUB_TYPE_DIR, 15), (XFS_SCRUB_TYPE_XATTR, 16),
            (XFS_SCRUB_TYPE_SYMLINK, 17), (XFS_SCRUB_TYPE_PARENT, 18), (XFS_SCRUB_TYPE_RTBITMAP, 19),
            (XFS_SCRUB_TYPE_RTSUM, 20), (XFS_SCRUB_TYPE_UQUOTA, 21), (XFS_SCRUB_TYPE_GQUOTA, 22),
            (XFS_SCRUB_TYPE_PQUOTA, 23), (XFS_SCRUB_TYPE_FSCOUNTERS, 24), (XFS_SCRUB_TYPE_QUOTACHECK, 25),
            (XFS_SCRUB_TYPE_NLINKS, 26), (XFS_SCRUB_TYPE_HEALTHY, 27), (XFS_SCRUB_TYPE_DIRTREE, 28),
            (XFS_SCRUB_TYPE_METAPATH, 29), (XFS_SCRUB_TYPE_RGSUPER, 30), (XFS_SCRUB_TYPE_RTRMAPBT, 31),
            (XFS_SCRUB_TYPE_RTREFCBT, 32), (XFS_SCRUB_TYPE_NR, 33),
        ]
        for (value, expected) in types { #expect(value == expected) }
    }

    @Test func scrubFlags() {
        #expect(XFS_SCRUB_IFLAG_REPAIR == 0x1)
        #expect(XFS_SCRUB_OFLAG_CORRUPT == 0x2)
        #expect(XFS_SCRUB_OFLAG_PREEN == 0x4)
        #expect(XFS_SCRUB_OFLAG_XFAIL == 0x8)
        #expect(XFS_SCRUB_OFLAG_XCORRUPT == 0x10)
        #expect(XFS_SCRUB_OFLAG_INCOMPLETE == 0x20)
        #expect(XFS_SCRUB_OFLAG_WARNING == 0x40)
        #expect(XFS_SCRUB_OFLAG_NO_REPAIR_NEEDED == 0x80)
        #expect(XFS_SCRUB_IFLAG_FORCE_REBUILD == 0x100)
        #expect(CXFS_XFS_IOC_SCRUB_METADATA == 0xC040_583C)
    }

    @Test func sickMasks() {
        #expect([XFS_FSOP_GEOM_SICK_COUNTERS, XFS_FSOP_GEOM_SICK_UQUOTA, XFS_FSOP_GEOM_SICK_GQUOTA, XFS_FSOP_GEOM_SICK_PQUOTA,
                 XFS_FSOP_GEOM_SICK_RT_BITMAP, XFS_FSOP_GEOM_SICK_RT_SUMMARY, XFS_FSOP_GEOM_SICK_QUOTACHECK,
                 XFS_FSOP_GEOM_SICK_NLINKS, XFS_FSOP_GEOM_SICK_METADIR, XFS_FSOP_GEOM_SICK_METAPATH]
            == [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200])
        #expect([XFS_AG_GEOM_SICK_SB, XFS_AG_GEOM_SICK_AGF, XFS_AG_GEOM_SICK_AGFL, XFS_AG_GEOM_SICK_AGI,
                 XFS_AG_GEOM_SICK_BNOBT, XFS_AG_GEOM_SICK_CNTBT, XFS_AG_GEOM_SICK_INOBT, XFS_AG_GEOM_SICK_FINOBT,
                 XFS_AG_GEOM_SICK_RMAPBT, XFS_AG_GEOM_SICK_REFCNTBT, XFS_AG_GEOM_SICK_INODES]
            == [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100, 0x200, 0x400])
        #expect([XFS_RTGROUP_GEOM_SICK_SUPER, XFS_RTGROUP_GEOM_SICK_BITMAP, XFS_RTGROUP_GEOM_SICK_SUMMARY,
                 XFS_RTGROUP_GEOM_SICK_RMAPBT, XFS_RTGROUP_GEOM_SICK_REFCNTBT] == [0x1, 0x2, 0x4, 0x8, 0x10])
        #expect([XFS_BS_SICK_INODE, XFS_BS_SICK_BMBTD, XFS_BS_SICK_BMBTA, XFS_BS_SICK_BMBTC, XFS_BS_SICK_DIR,
                 XFS_BS_SICK_XATTR, XFS_BS_SICK_SYMLINK, XFS_BS_SICK_PARENT, XFS_BS_SICK_DIRTREE]
            == [0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100])
        #expect(XFS_BULK_IREQ_SPECIAL_ROOT == 1)
    }

    @Test func shutdownReasons() {
        #expect([XFS_HEALTH_SHUTDOWN_META_IO_ERROR, XFS_HEALTH_SHUTDOWN_LOG_IO_ERROR, XFS_HEALTH_SHUTDOWN_FORCE_UMOUNT,
                 XFS_HEALTH_SHUTDOWN_CORRUPT_INCORE, XFS_HEALTH_SHUTDOWN_CORRUPT_ONDISK,
                 XFS_HEALTH_SHUTDOWN_DEVICE_REMOVED] == [0x1, 0x2, 0x4, 0x8, 0x10, 0x20])
    }

    @Test func healthMonitorIoctls() {
        #expect(CXFS_XFS_IOC_HEALTH_MONITOR == 0x4020_5844)
        #expect(CXFS_XFS_IOC_HEALTH_FD_ON_MONITORED_FS == 0x4008_5845)
    }

    @Test func cloneRange() {
        expectLayout(of: file_clone_range(), size: 32, alignment: 8, offsets: [
            \.src_fd: 0,
            \.src_offset: 8,
            \.src_length: 16,
            \.dest_offset: 24,
        ])
        #expect(CXFS_FICLONERANGE == 0x4020_940D)
    }

    @Test func fanotifyMountEvents() {
        expectLayout(of: fanotify_event_metadata(), size: 24, alignment: 8, offsets: [
            \.event_len: 0,
            \.vers: 4,
            \.reserved: 5,
            \.metadata_len: 6,
            \.mask: 8,
            \.fd: 16,
            \.pid: 20,
        ])
        expectLayout(of: fanotify_event_info_header(), size: 4, alignment: 2, offsets: [
            \.info_type: 0,
            \.pad: 1,
            \.len: 2,
        ])
        expectLayout(of: fanotify_event_info_mnt(), size: 16, alignment: 8, offsets: [
            \.hdr: 0,
            \.mnt_id: 8,
        ])
        #expect(FAN_REPORT_MNT == 0x4000)
        #expect(FAN_MARK_MNTNS == 0x110)
        #expect(FAN_MNT_ATTACH == 0x0100_0000)
        #expect(FAN_MNT_DETACH == 0x0200_0000)
        #expect(FAN_EVENT_INFO_TYPE_MNT == 7)
        #expect(FAN_Q_OVERFLOW == 0x4000)
        #expect(FANOTIFY_METADATA_VERSION == 3)
    }
}
