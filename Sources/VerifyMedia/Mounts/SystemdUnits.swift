import Glibc

/// Names and control of systemd units, as `systemd-escape --path` and
/// `systemctl` would have them.
public enum SystemdUnits {
    /// The watcher template: one instance per mounted XFS filesystem.
    public static let watchTemplate = "xfs_verify_media_watch@.service"
    /// xfs_healer's own watcher (xfsprogs 7.x); both cannot watch one filesystem.
    public static let healerTemplate = "xfs_healer@.service"

    /// `systemd-escape --path PATH`: "/" is "-"; otherwise slashes at both
    /// ends are dropped, runs of them become one "-", and every byte other
    /// than ASCII letters, digits, ":", "_" and a "." that does not lead
    /// becomes \xNN.
    public static func escapePath(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty else { return "-" }
        var escaped = ""
        for (index, part) in parts.enumerated() {
            if index > 0 { escaped += "-" }
            for (position, byte) in part.utf8.enumerated() {
                let plain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "_") || (byte == UInt8(ascii: ".") && !(index == 0 && position == 0))
                if plain {
                    escaped.append(Character(Unicode.Scalar(byte)))
                } else {
                    let hex = String(byte, radix: 16)
                    escaped += "\\x" + (hex.count == 1 ? "0" + hex : hex)
                }
            }
        }
        return escaped
    }

    /// "xfs_verify_media_watch@srv-data.service" for /srv/data.
    public static func instance(of template: String, path: String) -> String {
        template.replacingFirst("@.", with: "@\(escapePath(path)).")
    }

    /// `systemctl ARGUMENTS`' exit status, or nil when it could not run
    /// (no systemctl, no systemd).
    @discardableResult
    public static func systemctl(_ arguments: [String]) -> Int32? {
        guard access("/run/systemd/system", F_OK) == 0 else { return nil }
        let argv = ["systemctl"] + arguments
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        guard posix_spawnp(&pid, "systemctl", &actions, nil, cArguments, environ) == 0 else { return nil }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return nil }
        }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Whether systemd runs `unit` now.
    public static func isActive(_ unit: String) -> Bool {
        systemctl(["is-active", "--quiet", unit]) == 0
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return String(self[..<range.lowerBound]) + replacement + String(self[range.upperBound...])
    }
}
