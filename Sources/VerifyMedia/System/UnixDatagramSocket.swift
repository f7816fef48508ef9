import Glibc

/// An unconnected AF_UNIX datagram socket with one destination: what
/// journald's native protocol and sd_notify(3) both speak. Sending never
/// blocks on a missing peer and never raises SIGPIPE; a caller that cannot
/// reach its peer gets the errno and decides (both callers drop or fall
/// back: logging never stops a scan).
struct UnixDatagramSocket: Sendable {
    private let socket: FileDescriptor
    private let address: sockaddr_un
    private let length: socklen_t

    /// `path`: a socket file, or an abstract name written with a leading
    /// '@' (as $NOTIFY_SOCKET names one); nothing is sent yet.
    init(path: String) throws(Errno) {
        var name = Array(path.utf8)
        let abstract = name.first == UInt8(ascii: "@")
        if abstract { name[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard name.count < MemoryLayout.size(ofValue: address.sun_path) else { throw .ENAMETOOLONG }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .current }
        self.address = address
        // An abstract name is exactly as long as given; a path ends with its NUL.
        length = socklen_t(MemoryLayout<sa_family_t>.size + name.count + (abstract ? 0 : 1))
        socket = FileDescriptor(rawValue: fd)
    }

    func close() { socket.close() }

    /// Sends `bytes` as one datagram; returns how many went out.
    @discardableResult
    func send(_ bytes: [UInt8]) throws(Errno) -> Int {
        var address = self.address
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                bytes.withUnsafeBytes { sendto(socket.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), target, length) }
            }
        }
        if sent < 0 { throw .current }
        return sent
    }
}
