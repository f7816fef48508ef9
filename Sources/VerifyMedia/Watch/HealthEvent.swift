import CXFS
import Glibc

/// One record of the XFS health monitor (Linux 7.0): what the kernel says
/// about the health of a mounted filesystem, decoded from the 64 bytes of
/// `struct xfs_health_monitor_event`. Which member of the event's union is
/// filled in follows from the domain (and, for the mount domain, the type),
/// as the kernel's xfs_healthmon.c formats them.
public struct HealthEvent: Sendable, Equatable {
    public static let size = MemoryLayout<xfs_health_monitor_event>.size

    public enum Domain: Sendable, Equatable {
        case mount, fs, ag, inode, rtgroup, dataDevice, rtDevice, logDevice, fileRange
        case unknown(UInt32)
    }

    public enum Kind: Sendable, Equatable {
        case running, lost, unmount, sick, corrupt, healthy, shutdown, mediaError
        case bufferedRead, bufferedWrite, directRead, directWrite, dataLost
        case unknown(UInt32)
    }

    public enum Payload: Sendable, Equatable {
        case none
        /// Events the kernel dropped because its queue (32 KiB) was full.
        case lost(count: UInt64)
        /// XFS_HEALTH_SHUTDOWN_* bits.
        case shutdown(reasons: UInt32)
        /// XFS_FSOP_GEOM_SICK_* bits.
        case filesystem(mask: UInt32)
        /// XFS_AG_GEOM_SICK_* or XFS_RTGROUP_GEOM_SICK_* bits of one group.
        case group(mask: UInt32, number: UInt32)
        /// XFS_BS_SICK_* bits of one inode.
        case inode(mask: UInt32, inode: UInt64, generation: UInt32)
        /// 512-byte units on the device of the domain.
        case media(daddr: UInt64, bbcount: UInt64)
        /// Bytes of a file; `error` is the errno of the failed I/O.
        case fileRange(inode: UInt64, generation: UInt32, position: UInt64, length: UInt64, error: Errno)
    }

    public let domain: Domain
    public let kind: Kind
    /// When the kernel queued it: nanoseconds since the Unix epoch (coarse clock).
    public let time: UInt64
    public let payload: Payload

    public init(domain: Domain, kind: Kind, time: UInt64, payload: Payload) {
        self.domain = domain
        self.kind = kind
        self.time = time
        self.payload = payload
    }

    /// Decodes one whole record (`bytes.count` must be `HealthEvent.size`).
    public init(record bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count == HealthEvent.size, "a health event is \(HealthEvent.size) bytes")
        var raw = xfs_health_monitor_event()
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        domain = Domain(raw.domain)
        kind = Kind(raw.type)
        time = raw.time_ns
        switch domain {
        case .mount:
            switch kind {
            case .lost: payload = .lost(count: raw.e.lost.count)
            case .shutdown: payload = .shutdown(reasons: raw.e.shutdown.reasons)
            default: payload = .none
            }
        case .fs: payload = .filesystem(mask: raw.e.fs.mask)
        case .ag, .rtgroup: payload = .group(mask: raw.e.group.mask, number: raw.e.group.gno)
        case .inode: payload = .inode(mask: raw.e.inode.mask, inode: raw.e.inode.ino, generation: raw.e.inode.gen)
        case .dataDevice, .rtDevice, .logDevice: payload = .media(daddr: raw.e.media.daddr, bbcount: raw.e.media.bbcount)
        case .fileRange:
            let range = raw.e.filerange
            payload = .fileRange(inode: range.ino, generation: range.gen, position: range.pos, length: range.len,
                                 error: Errno(Int32(bitPattern: range.error)))
        case .unknown: payload = .none
        }
    }

    /// The device a media error was reported on.
    public var device: DeviceRole? {
        switch domain {
        case .dataDevice: .data
        case .rtDevice: .rt
        case .logDevice: .log
        default: nil
        }
    }

    /// The bytes of the device a media error covers (empty if the kernel's
    /// numbers would overflow).
    public var mediaRange: ByteRange? {
        guard case .media(let daddr, let bbcount) = payload else { return nil }
        let (end, overflow) = daddr.addingReportingOverflow(bbcount)
        guard !overflow, end <= UInt64.max >> 9 else { return ByteRange(0, 0) }
        return ByteRange(daddr << 9, end << 9)
    }

    /// Metadata health: what the repair side acts on.
    public var isMetadataHealth: Bool {
        switch domain {
        case .fs, .ag, .rtgroup, .inode: kind == .sick || kind == .corrupt || kind == .healthy
        default: false
        }
    }
}

extension HealthEvent.Domain {
    init(_ value: UInt32) {
        switch Int32(bitPattern: value) {
        case XFS_HEALTH_MONITOR_DOMAIN_MOUNT: self = .mount
        case XFS_HEALTH_MONITOR_DOMAIN_FS: self = .fs
        case XFS_HEALTH_MONITOR_DOMAIN_AG: self = .ag
        case XFS_HEALTH_MONITOR_DOMAIN_INODE: self = .inode
        case XFS_HEALTH_MONITOR_DOMAIN_RTGROUP: self = .rtgroup
        case XFS_HEALTH_MONITOR_DOMAIN_DATADEV: self = .dataDevice
        case XFS_HEALTH_MONITOR_DOMAIN_RTDEV: self = .rtDevice
        case XFS_HEALTH_MONITOR_DOMAIN_LOGDEV: self = .logDevice
        case XFS_HEALTH_MONITOR_DOMAIN_FILERANGE: self = .fileRange
        default: self = .unknown(value)
        }
    }

    /// The name for machines (journal field XVM_DOMAIN).
    public var name: String {
        switch self {
        case .mount: "mount"
        case .fs: "fs"
        case .ag: "ag"
        case .inode: "inode"
        case .rtgroup: "rtgroup"
        case .dataDevice: "datadev"
        case .rtDevice: "rtdev"
        case .logDevice: "logdev"
        case .fileRange: "filerange"
        case .unknown(let value): "domain \(value)"
        }
    }
}

extension HealthEvent.Kind {
    init(_ value: UInt32) {
        switch Int32(bitPattern: value) {
        case XFS_HEALTH_MONITOR_TYPE_RUNNING: self = .running
        case XFS_HEALTH_MONITOR_TYPE_LOST: self = .lost
        case XFS_HEALTH_MONITOR_TYPE_UNMOUNT: self = .unmount
        case XFS_HEALTH_MONITOR_TYPE_SICK: self = .sick
        case XFS_HEALTH_MONITOR_TYPE_CORRUPT: self = .corrupt
        case XFS_HEALTH_MONITOR_TYPE_HEALTHY: self = .healthy
        case XFS_HEALTH_MONITOR_TYPE_SHUTDOWN: self = .shutdown
        case XFS_HEALTH_MONITOR_TYPE_MEDIA_ERROR: self = .mediaError
        case XFS_HEALTH_MONITOR_TYPE_BUFREAD: self = .bufferedRead
        case XFS_HEALTH_MONITOR_TYPE_BUFWRITE: self = .bufferedWrite
        case XFS_HEALTH_MONITOR_TYPE_DIOREAD: self = .directRead
        case XFS_HEALTH_MONITOR_TYPE_DIOWRITE: self = .directWrite
        case XFS_HEALTH_MONITOR_TYPE_DATALOST: self = .dataLost
        default: self = .unknown(value)
        }
    }

    /// The name for machines (journal field XVM_EVENT).
    public var name: String {
        switch self {
        case .running: "running"
        case .lost: "lost"
        case .unmount: "unmount"
        case .sick: "sick"
        case .corrupt: "corrupt"
        case .healthy: "healthy"
        case .shutdown: "shutdown"
        case .mediaError: "media_error"
        case .bufferedRead: "bufread"
        case .bufferedWrite: "bufwrite"
        case .directRead: "dioread"
        case .directWrite: "diowrite"
        case .dataLost: "datalost"
        case .unknown(let value): "type \(value)"
        }
    }
}

/// Cuts the byte stream of a monitor descriptor into whole records. The
/// kernel copies events out as a byte stream: a read with a buffer that is
/// not a multiple of 64 bytes gets part of a record, and the rest comes
/// with the next read. Reads use multiples of 64, and any residue is kept.
public struct HealthEventAssembler: Sendable {
    private var partial: [UInt8] = []

    public init() {}

    /// Bytes of an incomplete record waiting for the rest.
    public var residue: Int { partial.count }

    /// The whole records completed by `bytes`, in order.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> [HealthEvent] {
        var events: [HealthEvent] = []
        var offset = 0
        if !partial.isEmpty {
            let take = min(HealthEvent.size - partial.count, bytes.count)
            partial += bytes[0..<take]
            offset = take
            if partial.count == HealthEvent.size {
                partial.withUnsafeBytes { events.append(HealthEvent(record: $0)) }
                partial.removeAll(keepingCapacity: true)
            }
        }
        while bytes.count - offset >= HealthEvent.size {
            events.append(HealthEvent(record: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + HealthEvent.size])))
            offset += HealthEvent.size
        }
        partial += bytes[offset...]
        return events
    }
}
