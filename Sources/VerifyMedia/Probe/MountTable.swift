import Glibc

/// One line of /proc/self/mountinfo.
struct MountEntry: Sendable {
    let major: UInt32
    let minor: UInt32
    let root: String
    let mountPoint: String
    let fsType: String
    let source: String
    let superOptions: [String: String]
}

enum MountTable {
    /// The mounts this process sees, in mount order.
    static func read() -> [MountEntry] {
        guard let text = readTextFile("/proc/self/mountinfo") else { return [] }
        return text.split(separator: "\n").compactMap { parse(Substring($0)) }
    }

    static func parse(_ line: Substring) -> MountEntry? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard let dash = fields.firstIndex(of: "-"), dash >= 6, fields.count >= dash + 3 else { return nil }
        let numbers = fields[2].split(separator: ":")
        guard numbers.count == 2, let major = UInt32(numbers[0]), let minor = UInt32(numbers[1]) else { return nil }
        var options: [String: String] = [:]
        if fields.count > dash + 3 {
            for option in fields[dash + 3].split(separator: ",") {
                let parts = option.split(separator: "=", maxSplits: 1)
                options[String(parts[0])] = parts.count > 1 ? unescape(parts[1]) : ""
            }
        }
        return MountEntry(major: major, minor: minor, root: unescape(fields[3]), mountPoint: unescape(fields[4]),
                          fsType: String(fields[dash + 1]), source: unescape(fields[dash + 2]), superOptions: options)
    }

    /// mountinfo writes space, tab, newline and backslash as \ooo octal.
    static func unescape(_ text: Substring) -> String {
        guard text.contains("\\") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "\\"), iterator.count >= 3,
               let value = UInt8(String(decoding: iterator.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                iterator = iterator.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads a small text file (procfs, sysfs) whole; nil when unreadable.
func readTextFile(_ path: String) -> String? {
    guard let fd = try? FileDescriptor.open(path, O_RDONLY), let bytes = fd.closeAfter({ try? $0.readToEnd() }) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// First line of a sysfs attribute, trimmed.
func readSysfsValue(_ path: String) -> String? {
    guard let text = readTextFile(path) else { return nil }
    return text.split(separator: "\n").first.map { $0.trimmingCharacters(in: " \t") }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        var s = self
        while let first = s.first, drop.contains(first) { s = s.dropFirst() }
        while let last = s.last, drop.contains(last) { s = s.dropLast() }
        return String(s)
    }
}
