import Glibc

/// Writes entries to systemd-journald with its native protocol: one
/// datagram per entry on /run/systemd/journal/socket, each field as
/// `NAME=value\n`, or, when the value holds a newline, as `NAME\n`, the
/// value's length as 64-bit little endian, the value and `\n`
/// (systemd's "Native Journal Protocol"). Fields beyond MESSAGE and
/// PRIORITY land in the journal as they are, so `journalctl FIELD=value`
/// finds the entries.
public struct JournalWriter: Sendable {
    public static let defaultSocket = "/run/systemd/journal/socket"
    private let socket: UnixDatagramSocket

    /// Opens a datagram socket towards `socketPath`; nothing is sent yet.
    public init(socketPath: String = JournalWriter.defaultSocket) throws(Errno) {
        socket = try UnixDatagramSocket(path: socketPath)
    }

    public func close() { socket.close() }

    /// Sends one entry. Throws when journald cannot take it (not running,
    /// or the entry is larger than a datagram may be); callers fall back
    /// to plain text then.
    public func send(_ fields: [(name: String, value: String)]) throws(Errno) {
        try socket.send(JournalWriter.encode(fields))
    }

    /// The datagram for `fields`. Names are made valid for journald: upper
    /// case letters, digits and underscores; names starting with an
    /// underscore are the journal's own (trusted) fields and are left out.
    static func encode(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var datagram: [UInt8] = []
        for (name, value) in fields {
            let key = fieldName(name)
            guard !key.isEmpty else { continue }
            let bytes = Array(value.utf8)
            datagram += Array(key.utf8)
            if bytes.contains(UInt8(ascii: "\n")) {
                datagram.append(UInt8(ascii: "\n"))
                withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { datagram += $0 }
            } else {
                datagram.append(UInt8(ascii: "="))
            }
            datagram += bytes
            datagram.append(UInt8(ascii: "\n"))
        }
        return datagram
    }

    static func fieldName(_ name: String) -> String {
        guard !name.hasPrefix("_") else { return "" }
        return String(String(name.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" }).prefix(64))
    }

    /// True when `fd` (stderr by default) is the journal: systemd connects a
    /// service's output to journald and names that stream in JOURNAL_STREAM
    /// as "device:inode"; an output redirected since no longer matches.
    public static func isJournal(_ fd: Int32 = 2) -> Bool {
        guard let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        let parts = value.split(separator: ":")
        var st = stat()
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]), fstat(fd, &st) == 0 else { return false }
        return UInt64(st.st_dev) == device && UInt64(st.st_ino) == inode
    }
}
