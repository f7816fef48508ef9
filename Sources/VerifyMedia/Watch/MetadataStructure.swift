import CXFS

/// A piece of metadata the health monitor can call sick: its bit in the
/// event's mask, xfs_healer's name for it (so logs read the same), and the
/// online scrub type that checks and repairs it, where there is one.
struct MetadataStructure: Sendable, Equatable {
    let bit: UInt32
    let name: String
    let scrubType: UInt32?

    init(_ bit: Int32, _ name: String, _ scrubType: Int32?) {
        self.bit = UInt32(bitPattern: bit)
        self.name = name
        self.scrubType = scrubType.map { UInt32(bitPattern: $0) }
    }

    /// The table for an event's domain: fs-wide, AG, realtime group, inode.
    static func table(for domain: HealthEvent.Domain) -> [MetadataStructure] {
        switch domain {
        case .fs: filesystem
        case .ag: allocationGroup
        case .rtgroup: realtimeGroup
        case .inode: inode
        default: []
        }
    }

    /// The structures whose bits are set in `mask`, in table order.
    static func named(in mask: UInt32, domain: HealthEvent.Domain) -> [MetadataStructure] {
        table(for: domain).filter { mask & $0.bit != 0 }
    }

    // The metadata directory and its paths have no scrub type that takes
    // a bare mask (METAPATH needs to know which path), and "inodes" in an
    // AG only says that bad inodes were seen: each comes with its own event.
    static let filesystem = [
        MetadataStructure(XFS_FSOP_GEOM_SICK_COUNTERS, "fscounters", XFS_SCRUB_TYPE_FSCOUNTERS),
        MetadataStructure(XFS_FSOP_GEOM_SICK_UQUOTA, "usrquota", XFS_SCRUB_TYPE_UQUOTA),
        MetadataStructure(XFS_FSOP_GEOM_SICK_GQUOTA, "grpquota", XFS_SCRUB_TYPE_GQUOTA),
        MetadataStructure(XFS_FSOP_GEOM_SICK_PQUOTA, "prjquota", XFS_SCRUB_TYPE_PQUOTA),
        MetadataStructure(XFS_FSOP_GEOM_SICK_RT_BITMAP, "bitmap", XFS_SCRUB_TYPE_RTBITMAP),
        MetadataStructure(XFS_FSOP_GEOM_SICK_RT_SUMMARY, "summary", XFS_SCRUB_TYPE_RTSUM),
        MetadataStructure(XFS_FSOP_GEOM_SICK_QUOTACHECK, "quotacheck", XFS_SCRUB_TYPE_QUOTACHECK),
        MetadataStructure(XFS_FSOP_GEOM_SICK_NLINKS, "nlinks", XFS_SCRUB_TYPE_NLINKS),
        MetadataStructure(XFS_FSOP_GEOM_SICK_METADIR, "metadir", nil),
        MetadataStructure(XFS_FSOP_GEOM_SICK_METAPATH, "metapath", nil),
    ]

    static let allocationGroup = [
        MetadataStructure(XFS_AG_GEOM_SICK_SB, "super", XFS_SCRUB_TYPE_SB),
        MetadataStructure(XFS_AG_GEOM_SICK_AGF, "agf", XFS_SCRUB_TYPE_AGF),
        MetadataStructure(XFS_AG_GEOM_SICK_AGFL, "agfl", XFS_SCRUB_TYPE_AGFL),
        MetadataStructure(XFS_AG_GEOM_SICK_AGI, "agi", XFS_SCRUB_TYPE_AGI),
        MetadataStructure(XFS_AG_GEOM_SICK_BNOBT, "bnobt", XFS_SCRUB_TYPE_BNOBT),
        MetadataStructure(XFS_AG_GEOM_SICK_CNTBT, "cntbt", XFS_SCRUB_TYPE_CNTBT),
        MetadataStructure(XFS_AG_GEOM_SICK_INOBT, "inobt", XFS_SCRUB_TYPE_INOBT),
        MetadataStructure(XFS_AG_GEOM_SICK_FINOBT, "finobt", XFS_SCRUB_TYPE_FINOBT),
        MetadataStructure(XFS_AG_GEOM_SICK_RMAPBT, "rmapbt", XFS_SCRUB_TYPE_RMAPBT),
        MetadataStructure(XFS_AG_GEOM_SICK_REFCNTBT, "refcountbt", XFS_SCRUB_TYPE_REFCNTBT),
        MetadataStructure(XFS_AG_GEOM_SICK_INODES, "inodes", nil),
    ]

    static let realtimeGroup = [
        MetadataStructure(Int32(bitPattern: XFS_RTGROUP_GEOM_SICK_SUPER), "super", XFS_SCRUB_TYPE_RGSUPER),
        MetadataStructure(Int32(bitPattern: XFS_RTGROUP_GEOM_SICK_BITMAP), "bitmap", XFS_SCRUB_TYPE_RTBITMAP),
        MetadataStructure(Int32(bitPattern: XFS_RTGROUP_GEOM_SICK_SUMMARY), "summary", XFS_SCRUB_TYPE_RTSUM),
        MetadataStructure(Int32(bitPattern: XFS_RTGROUP_GEOM_SICK_RMAPBT), "rmapbt", XFS_SCRUB_TYPE_RTRMAPBT),
        MetadataStructure(Int32(bitPattern: XFS_RTGROUP_GEOM_SICK_REFCNTBT), "refcountbt", XFS_SCRUB_TYPE_RTREFCBT),
    ]

    static let inode = [
        MetadataStructure(XFS_BS_SICK_INODE, "core", XFS_SCRUB_TYPE_INODE),
        MetadataStructure(XFS_BS_SICK_BMBTD, "datafork", XFS_SCRUB_TYPE_BMBTD),
        MetadataStructure(XFS_BS_SICK_BMBTA, "attrfork", XFS_SCRUB_TYPE_BMBTA),
        MetadataStructure(XFS_BS_SICK_BMBTC, "cowfork", XFS_SCRUB_TYPE_BMBTC),
        MetadataStructure(XFS_BS_SICK_DIR, "directory", XFS_SCRUB_TYPE_DIR),
        MetadataStructure(XFS_BS_SICK_XATTR, "xattr", XFS_SCRUB_TYPE_XATTR),
        MetadataStructure(XFS_BS_SICK_SYMLINK, "symlink", XFS_SCRUB_TYPE_SYMLINK),
        MetadataStructure(XFS_BS_SICK_PARENT, "parent", XFS_SCRUB_TYPE_PARENT),
        MetadataStructure(XFS_BS_SICK_DIRTREE, "dirtree", XFS_SCRUB_TYPE_DIRTREE),
    ]
}
