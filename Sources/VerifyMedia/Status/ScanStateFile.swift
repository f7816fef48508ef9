import Glibc

/// `/run/xfs_verify_media/<fs uuid>.state`: what a scan rewrites (atomically)
/// every second while it runs and once more when it ends, for
/// `xfs_verify_media status` in another shell. It names no files, so anyone
/// may read it. A scan killed before it could mark its file finished leaves
/// a "running" file behind: `isAlive` tells those from live scans.
public enum ScanStateFile {
    public static let suffix = ".state"

    public static func path(directory: String, uuid: String) -> String { "\(directory)/\(uuid)\(suffix)" }

    public static func write(_ state: ScanState, directory: String) throws(Errno) {
        if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw Errno.current }
        try AtomicFile.write(Array((state.json.serialized() + "\n").utf8), to: path(directory: directory, uuid: state.fsUUID),
                             mode: 0o644)
    }

    /// The state file of the filesystem `uuid`; nil when there is none or it
    /// cannot be read as one (a file of another version is no reason to fail).
    public static func read(directory: String, uuid: String) -> ScanState? {
        guard let contents = try? FileDescriptor.contentsIfPresent(path(directory: directory, uuid: uuid)) else { return nil }
        return try? ScanState(fileContents: contents)
    }

    /// Every state file in `directory`, by filesystem UUID.
    public static func all(directory: String) -> [ScanState] {
        directoryEntries(directory).compactMap { name in
            guard name.hasSuffix(suffix), !name.hasPrefix(".") else { return nil }
            return read(directory: directory, uuid: String(name.dropLast(suffix.count)))
        }.sorted { $0.mountPoint < $1.mountPoint }
    }

    /// Whether the process that wrote a "running" state still runs: its pid
    /// exists and started when the writer did.
    public static func isAlive(_ state: ScanState) -> Bool {
        state.phase == .running && processStartTime(state.pid) == state.pidStart
    }

    /// Field 22 of /proc/PID/stat (after the command name in parentheses,
    /// which may hold spaces): when the process started, in clock ticks
    /// since boot; nil when there is no such process.
    public static func processStartTime(_ pid: Int32) -> UInt64? {
        guard pid > 0, let bytes = try? FileDescriptor.contentsIfPresent("/proc/\(pid)/stat"),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is the state (field 3), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }
}
