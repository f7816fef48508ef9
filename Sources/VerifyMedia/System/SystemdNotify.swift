import Glibc

/// sd_notify(3) without libsystemd: one datagram per message on the
/// AF_UNIX socket named in $NOTIFY_SOCKET (a path, or an abstract name
/// starting with '@'), "READY=1", "STATUS=...", "STOPPING=1", one
/// assignment per line. Under a `Type=notify` unit systemd shows STATUS=
/// in `systemctl status`. Nothing happens without $NOTIFY_SOCKET, and a
/// message that cannot be sent is dropped: the scan never depends on it.
public final class SystemdNotify: Sendable {
    private let socket: FileDescriptor
    private let address: sockaddr_un
    private let length: socklen_t

    /// nil when not started by systemd with a notify socket.
    public convenience init?() {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }) else { return nil }
        self.init(socketPath: value)
    }

    public init?(socketPath: String) {
        var path = Array(socketPath.utf8)
        guard let first = path.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else { return nil }
        if first == UInt8(ascii: "@") { path[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.address = address
        // An abstract name is exactly as long as given; a path ends with its NUL.
        length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (first == UInt8(ascii: "@") ? 0 : 1))
        socket = FileDescriptor(rawValue: fd)
    }

    deinit { socket.close() }

    /// Sends `assignments` ("READY=1", "STATUS=...") in one datagram; a
    /// newline inside a value ends it.
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        let message = Array(assignments.map { String($0.prefix { $0 != "\n" }) }.joined(separator: "\n").utf8)
        var address = self.address
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                message.withUnsafeBytes { sendto(socket.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), target, length) }
            }
        }
        return sent == message.count
    }
}
