import CXFS
import Glibc

/// Health events as log entries, worded as xfs_healer (xfsprogs 7.2)
/// words them, so that logs of either tool read alike:
///
///     /mnt: monitoring started
///     /mnt datadev daddr 0x805 bbcount 0x1: media error
///     /mnt/photos/beach.raw pos 950272 len 4096: media failed
///     /mnt/photos/beach.raw pos 0 len 1048576: directio_read: Input/output error
///     /mnt agno 0x2 bnobt, rmapbt: sick
///     /mnt/mail directory: sick
///     /mnt ino 133 gen 0x5 datafork: corrupt
///     /mnt: 12 events lost
///     /mnt: filesystem shut down due to metadata I/O error
///     /mnt: filesystem unmounted
struct EventWording {
    let mountPoint: String

    /// `subject`: the path of the inode an inode or file range event is
    /// about, when it could be named.
    func entry(for event: HealthEvent, subject: RawPath?) -> LogEntry {
        var fields = [LogEntry.Field("XVM_EVENT", event.kind.name), LogEntry.Field("XVM_DOMAIN", event.domain.name),
                      LogEntry.Field("XVM_MOUNTPOINT", mountPoint)]
        let (message, priority) = describe(event, subject: subject, fields: &fields)
        return LogEntry(message, priority: priority, fields: fields)
    }

    /// "/mnt/a" or, without a name, "/mnt ino 133 gen 0x5".
    func subject(inode: UInt64, generation: UInt32, path: RawPath?) -> String {
        path.map { TextEscaping.escape($0.bytes) } ?? "\(TextEscaping.escape(mountPoint)) ino \(inode) gen 0x\(String(generation, radix: 16))"
    }

    private func describe(_ event: HealthEvent, subject path: RawPath?, fields: inout [LogEntry.Field]) -> (String, LogPriority) {
        let mountPoint = TextEscaping.escape(self.mountPoint)
        switch event.payload {
        case .none:
            switch event.kind {
            case .running: return ("\(mountPoint): monitoring started", .info)
            case .unmount: return ("\(mountPoint): filesystem unmounted", .info)
            default: return ("\(mountPoint): unknown health event (\(event.domain.name), \(event.kind.name))", .warning)
            }
        case .lost(let count):
            fields.append(.init("XVM_LOST", String(count)))
            return ("\(mountPoint): \(count) events lost", .warning)
        case .shutdown(let reasons):
            let names = EventWording.shutdownReasons.filter { reasons & $0.0 != 0 }.map(\.1)
            fields.append(.init("XVM_REASONS", names.joined(separator: ",")))
            return ("\(mountPoint): filesystem shut down due to \(names.isEmpty ? "unknown reasons" : names.joined(separator: ", "))", .critical)
        case .filesystem(let mask):
            return ("\(mountPoint) \(structures(mask, event, &fields)): \(event.kind.name)", healthPriority(event.kind))
        case .group(let mask, let number):
            fields.append(.init("XVM_GROUP", String(number)))
            let label = event.domain == .rtgroup ? "rgno" : "agno"
            return ("\(mountPoint) \(label) 0x\(String(number, radix: 16)) \(structures(mask, event, &fields)): \(event.kind.name)",
                    healthPriority(event.kind))
        case .inode(let mask, let inode, let generation):
            inodeFields(inode, generation, path, &fields)
            return ("\(subject(inode: inode, generation: generation, path: path)) \(structures(mask, event, &fields)): \(event.kind.name)",
                    healthPriority(event.kind))
        case .media(let daddr, let bbcount):
            fields += [.init("XVM_DEVICE", event.device?.rawValue ?? "?"), .init("XVM_DADDR", String(daddr)),
                       .init("XVM_BBCOUNT", String(bbcount))]
            return ("\(mountPoint) \(event.domain.name) daddr 0x\(String(daddr, radix: 16)) bbcount 0x\(String(bbcount, radix: 16)): media error",
                    .warning)
        case .fileRange(let inode, let generation, let position, let length, let error):
            inodeFields(inode, generation, path, &fields)
            fields += [.init("XVM_OFFSET", String(position)), .init("XVM_LENGTH", String(length))]
            let place = "\(subject(inode: inode, generation: generation, path: path)) pos \(position) len \(length)"
            if event.kind == .dataLost { return ("\(place): media failed", .error) }
            fields += [.init("ERRNO", String(error.rawValue)), .init("XVM_ERROR", error.name)]
            return ("\(place): \(EventWording.fileIOName(event.kind)): \(error.message)", .error)
        }
    }

    private func structures(_ mask: UInt32, _ event: HealthEvent, _ fields: inout [LogEntry.Field]) -> String {
        var names = MetadataStructure.named(in: mask, domain: event.domain).map(\.name)
        let known = MetadataStructure.table(for: event.domain).reduce(UInt32(0)) { $0 | $1.bit }
        if mask & ~known != 0 { names.append("0x\(String(mask & ~known, radix: 16))") }
        fields.append(.init("XVM_STRUCTURES", names.joined(separator: ",")))
        return names.joined(separator: ", ")
    }

    private func inodeFields(_ inode: UInt64, _ generation: UInt32, _ path: RawPath?, _ fields: inout [LogEntry.Field]) {
        fields += [.init("XVM_INODE", String(inode)), .init("XVM_GENERATION", String(generation))]
        if let path { fields.append(.init("XVM_PATH", path.description)) }
    }

    private func healthPriority(_ kind: HealthEvent.Kind) -> LogPriority {
        switch kind {
        case .healthy: .notice
        case .sick, .corrupt: .error
        default: .warning
        }
    }

    static func fileIOName(_ kind: HealthEvent.Kind) -> String {
        switch kind {
        case .bufferedRead: "readahead"
        case .bufferedWrite: "writeback"
        case .directRead: "directio_read"
        case .directWrite: "directio_write"
        case .dataLost: "media"
        default: kind.name
        }
    }

    static let shutdownReasons: [(UInt32, String)] = [
        (XFS_HEALTH_SHUTDOWN_META_IO_ERROR, "metadata I/O error"),
        (XFS_HEALTH_SHUTDOWN_LOG_IO_ERROR, "log I/O error"),
        (XFS_HEALTH_SHUTDOWN_FORCE_UMOUNT, "forced unmount"),
        (XFS_HEALTH_SHUTDOWN_CORRUPT_INCORE, "in-memory state corruption"),
        (XFS_HEALTH_SHUTDOWN_CORRUPT_ONDISK, "ondisk metadata corruption"),
        (XFS_HEALTH_SHUTDOWN_DEVICE_REMOVED, "device removed"),
    ]
}
