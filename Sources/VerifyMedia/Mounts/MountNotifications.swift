import CXFS
import Glibc

/// What fanotify says about the mount namespace (Linux 6.15: FAN_REPORT_MNT).
public enum MountNotification: Sendable, Equatable {
    /// The mount with this unique id (statx STATX_MNT_ID_UNIQUE) appeared.
    case attached(UInt64)
    case detached(UInt64)
    /// The kernel's event queue overflowed: look at every mount again.
    case overflow

    /// Decodes the events of one read(2) of a fanotify descriptor: each is
    /// a `struct fanotify_event_metadata` followed by info records, of which
    /// FAN_EVENT_INFO_TYPE_MNT carries the mount id.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> [MountNotification] {
        let header = MemoryLayout<fanotify_event_metadata>.size
        var found: [MountNotification] = []
        var offset = 0
        while bytes.count - offset >= header {
            var metadata = fanotify_event_metadata()
            withUnsafeMutableBytes(of: &metadata) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + header])) }
            let length = Int(metadata.event_len)
            guard length >= header, offset + length <= bytes.count, metadata.vers == FANOTIFY_METADATA_VERSION else { break }
            if metadata.mask & UInt64(FAN_Q_OVERFLOW) != 0 {
                found.append(.overflow)
            } else {
                var info = offset + Int(metadata.metadata_len)
                while offset + length - info >= MemoryLayout<fanotify_event_info_header>.size {
                    let type = bytes[info]
                    let infoLength = Int(bytes[info + 2]) | Int(bytes[info + 3]) << 8
                    guard infoLength >= MemoryLayout<fanotify_event_info_header>.size, info + infoLength <= offset + length else { break }
                    if type == FAN_EVENT_INFO_TYPE_MNT, infoLength >= MemoryLayout<fanotify_event_info_mnt>.size {
                        let id = UnsafeRawBufferPointer(rebasing: bytes[(info + 8)..<(info + 16)]).loadUnaligned(as: UInt64.self)
                        if metadata.mask & UInt64(FAN_MNT_ATTACH) != 0 { found.append(.attached(id)) }
                        if metadata.mask & UInt64(FAN_MNT_DETACH) != 0 { found.append(.detached(id)) }
                    }
                    info += infoLength
                }
            }
            offset += length
        }
        return found
    }
}

/// A fanotify descriptor marked on this process's mount namespace: it
/// reports every mount attached and detached there. Needs CAP_SYS_ADMIN
/// and Linux 6.15 or later (EINVAL before).
public final class MountNotifier: Sendable {
    private let fd: FileDescriptor

    public init() throws(Errno) {
        let raw = CXFS_fanotify_init(UInt32(FAN_REPORT_MNT | FAN_CLASS_NOTIF | FAN_CLOEXEC), UInt32(O_RDONLY | O_CLOEXEC))
        guard raw >= 0 else { throw .current }
        fd = FileDescriptor(rawValue: raw)
        guard CXFS_fanotify_mark(raw, UInt32(FAN_MARK_ADD | FAN_MARK_MNTNS), UInt64(FAN_MNT_ATTACH | FAN_MNT_DETACH),
                                 AT_FDCWD, "/proc/self/ns/mnt") == 0 else {
            let error = Errno.current
            fd.close()
            throw error
        }
    }

    deinit { fd.close() }

    /// Waits for notifications (checking `stop` a few times a second); an
    /// empty array once `stop` is requested.
    public func next(stop: StopSignal) throws(Errno) -> [MountNotification] {
        var buffer = [UInt8](repeating: 0, count: 8192)
        while !stop.isRequested {
            var poller = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if ready < 0 && errno != EINTR { throw .current }
            if ready <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .current
            }
            let found = buffer.withUnsafeBytes { MountNotification.decode(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            if !found.isEmpty { return found }
        }
        return []
    }
}
