import CXFS

/// What XFS_IOC_FSGEOMETRY tells about the layout, in the units the plan
/// uses (bytes unless the name says otherwise).
public struct FilesystemGeometry: Sendable {
    public let blockSize: UInt64
    public let agBlocks: UInt64
    public let agCount: Int
    public let inodeSize: UInt64
    public let directoryBlockSize: UInt64
    public let dataBlocks: UInt64
    public let logStart: UInt64
    public let logBlocks: UInt64
    public let rtBlocks: UInt64
    public let rtExtentBlocks: UInt64
    public let rgCount: Int
    public let rgExtents: UInt64
    public let rtStart: UInt64
    public let uuid: String
    public let flags: UInt32

    init(_ g: xfs_fsop_geom) {
        blockSize = UInt64(g.blocksize)
        agBlocks = UInt64(g.agblocks)
        agCount = Int(g.agcount)
        inodeSize = UInt64(g.inodesize)
        directoryBlockSize = UInt64(g.dirblocksize)
        dataBlocks = g.datablocks
        logStart = g.logstart
        logBlocks = UInt64(g.logblocks)
        rtBlocks = g.rtblocks
        rtExtentBlocks = UInt64(g.rtextsize)
        rgCount = Int(g.rgcount)
        rgExtents = UInt64(g.rgextents)
        rtStart = g.rtstart
        flags = g.flags
        uuid = withUnsafeBytes(of: g.uuid) { FilesystemGeometry.format(uuid: Array($0)) }
    }

    public var hasRmapbt: Bool { flags & UInt32(XFS_FSOP_GEOM_FLAGS_RMAPBT) != 0 }
    public var hasReflink: Bool { flags & UInt32(XFS_FSOP_GEOM_FLAGS_REFLINK) != 0 }
    public var hasParentPointers: Bool { flags & UInt32(XFS_FSOP_GEOM_FLAGS_PARENT) != 0 }
    public var hasExternalLog: Bool { logStart == 0 && logBlocks > 0 }
    public var hasRealtime: Bool { rtBlocks > 0 }
    /// Its realtime groups are zones, written sequentially.
    public var isZoned: Bool { flags & UInt32(XFS_FSOP_GEOM_FLAGS_ZONED) != 0 }
    /// A zoned filesystem whose rt section lives on the data device, from
    /// `rtStartBytes` on.
    public var hasInternalRealtime: Bool { rtStart != 0 }
    public var rtStartBytes: UInt64 { rtStart * blockSize }

    public var agBytes: UInt64 { agBlocks * blockSize }
    public var dataBytes: UInt64 { dataBlocks * blockSize }
    public var rtBytes: UInt64 { rtBlocks * blockSize }
    public var logBytes: UInt64 { logBlocks * blockSize }
    /// Bytes per realtime group; 0 on filesystems without rtgroups.
    public var rtGroupBytes: UInt64 { rgCount > 0 ? rgExtents * rtExtentBlocks * blockSize : 0 }

    static func format(uuid bytes: [UInt8]) -> String {
        let hex = bytes.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}
