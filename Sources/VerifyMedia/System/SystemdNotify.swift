import Glibc

/// sd_notify(3) without libsystemd: one datagram per message on the
/// AF_UNIX socket named in $NOTIFY_SOCKET (a path, or an abstract name
/// starting with '@'), "READY=1", "STATUS=...", "STOPPING=1", one
/// assignment per line. Under a `Type=notify` unit systemd shows STATUS=
/// in `systemctl status`. Nothing happens without $NOTIFY_SOCKET, and a
/// message that cannot be sent is dropped: the scan never depends on it.
public final class SystemdNotify: Sendable {
    private let socket: UnixDatagramSocket

    /// nil when not started by systemd with a notify socket.
    public convenience init?() {
        guard let value = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }) else { return nil }
        self.init(socketPath: value)
    }

    public init?(socketPath: String) {
        guard let first = socketPath.utf8.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@"),
              let socket = try? UnixDatagramSocket(path: socketPath) else { return nil }
        self.socket = socket
    }

    deinit { socket.close() }

    /// Sends `assignments` ("READY=1", "STATUS=...") in one datagram; a
    /// newline inside a value ends it.
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        let message = Array(assignments.map { String($0.prefix { $0 != "\n" }) }.joined(separator: "\n").utf8)
        return (try? socket.send(message)) == message.count
    }
}
