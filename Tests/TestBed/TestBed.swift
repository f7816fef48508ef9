// A real, mounted XFS on loop devices over fault disks, built and torn down
// by testbed/testbed. Tests use `TestBed.with { bed in ... }`.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class TestBed: Sendable {
    /// DIR: everything of this test bed lives below it.
    public let directory: String
    /// Where XFS is mounted (DIR/mnt).
    public let mountPoint: String
    public let data: TestDisk
    public let log: TestDisk?
    public let realtime: TestDisk?
    /// DIR/env as parsed (MNT, DATA_DEV, DATA_CONTROL, ...).
    public let environment: [String: String]
    public let options: TestBedOptions

    init(directory: String, environment env: [String: String], options: TestBedOptions) throws {
        self.directory = directory
        self.environment = env
        self.options = options
        guard let mnt = env["MNT"], env["READY"] == "1" else { throw TestBedError("\(directory)/env is incomplete") }
        mountPoint = mnt
        let sector = Int(env["SECTOR_SIZE"] ?? "") ?? options.logicalSectorSize
        func disk(_ prefix: String, _ role: String) -> TestDisk? {
            guard let device = env["\(prefix)_DEV"] else { return nil }
            return TestDisk(role: role, device: device, logicalSectorSize: sector, controlPath: env["\(prefix)_CONTROL"],
                            readMapPath: env["\(prefix)_READMAP"], imagePath: env["\(prefix)_IMAGE"])
        }
        guard let data = disk("DATA", "data") else { throw TestBedError("\(directory)/env has no DATA_DEV") }
        self.data = data
        log = disk("LOG", "log")
        realtime = disk("RT", "rt")
    }

    // MARK: Availability

    /// nil when test beds can be built here; else what is missing. Builds
    /// the fault disk (`make .build/testbed/faultdisk`) when it is missing.
    public static var unavailableReason: String? { cachedUnavailableReason }

    private static let cachedUnavailableReason: String? = {
        if getuid() != 0 { return "test beds need root (loop devices, mounts)" }
        if access("/dev/fuse", F_OK) != 0 { return "test beds need /dev/fuse (the FUSE fault disk)" }
        for tool in ["mkfs.xfs", "losetup", "xfs_io", "mount", "umount", "fusermount3", "flock", "setsid"]
        where findExecutable(tool) == nil {
            return "test beds need \(tool) (scripts/install-deps)"
        }
        if access(RepoPaths.testbedScript, X_OK) != 0 { return "\(RepoPaths.testbedScript) is missing" }
        if access(RepoPaths.faultDisk, X_OK) != 0 {
            let make = try? runCommand(["make", "-s", "-C", RepoPaths.root, ".build/testbed/faultdisk"])
            if access(RepoPaths.faultDisk, X_OK) != 0 {
                let why = make.map { $0.stderr.split(separator: "\n").last.map(String.init) ?? "exit \($0.status)" }
                return "cannot build the fault disk: \(why ?? "make not found")"
            }
        }
        return nil
    }()

    /// nil when this kernel mounts XFS with a realtime device (CONFIG_XFS_RT).
    public static var realtimeUnavailableReason: String? { cachedRealtimeReason }

    private static let cachedRealtimeReason: String? = {
        if let reason = unavailableReason { return reason }
        guard access("/proc/config.gz", R_OK) == 0,
              let config = try? runCommand(["zcat", "/proc/config.gz"]), config.succeeded else { return nil }
        return config.stdout.contains("\nCONFIG_XFS_RT=y") ? nil : "this kernel has no CONFIG_XFS_RT (XFS realtime devices)"
    }()

    // MARK: Lifetime

    /// Builds a test bed, runs `body`, and tears the test bed down, also when
    /// `body` throws. Before building it reaps test beds of dead processes.
    public static func with<T>(_ options: TestBedOptions = .init(), _ body: (TestBed) throws -> T) throws -> T {
        let bed = try up(options)
        let result: T
        do {
            result = try body(bed)
        } catch {
            try? bed.down()
            throw error
        }
        try bed.down()
        return result
    }

    /// `with` for async bodies.
    public static func with<T>(_ options: TestBedOptions = .init(), isolation: isolated (any Actor)? = #isolation,
                               _ body: (TestBed) async throws -> T) async throws -> T {
        let bed = try up(options)
        let result: T
        do {
            result = try await body(bed)
        } catch {
            try? bed.down()
            throw error
        }
        try bed.down()
        return result
    }

    /// Builds a test bed owned by this process; call `down()` when done
    /// (`testbed reap` removes it once this process is gone).
    public static func up(_ options: TestBedOptions = .init()) throws -> TestBed {
        if let reason = unavailableReason { throw TestBedError("test bed unavailable: \(reason)") }
        _ = try? runCommand([RepoPaths.testbedScript, "reap"], timeout: .seconds(300))
        let name = "swift-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        let directory = RepoPaths.testbedBase + "/" + name
        let up = try runCommand([RepoPaths.testbedScript, "up", directory] + options.scriptArguments
                                    + ["--owner", String(getpid())],
                                environment: options.mkfsProgram.map { ["XVM_MKFS_XFS": $0] } ?? [:], timeout: .seconds(120))
        guard up.succeeded else {
            _ = try? runCommand([RepoPaths.testbedScript, "down", directory], timeout: .seconds(120))
            throw TestBedError("testbed up failed: \(up.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        do {
            return try TestBed(directory: directory, environment: parseEnv(directory + "/env"), options: options)
        } catch {
            _ = try? runCommand([RepoPaths.testbedScript, "down", directory], timeout: .seconds(120))
            throw error
        }
    }

    /// Tears the test bed down (umount, loop devices, fault disks, DIR). Idempotent.
    public func down() throws {
        try runCommand([RepoPaths.testbedScript, "down", directory], timeout: .seconds(300)).check()
    }

    static func parseEnv(_ path: String) throws -> [String: String] {
        let text = String(decoding: try readWholeFile(path), as: UTF8.self)
        var env: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let eq = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            env[String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        return env
    }

    // MARK: Commands

    /// Absolute path of `relative` below the mount point.
    public func path(_ relative: String) -> String {
        relative.hasPrefix("/") ? relative : mountPoint + "/" + relative
    }

    /// Runs a command with the test bed's variables (MNT, DATA_DEV, ...) in its environment.
    public func run(_ argv: [String], environment: [String: String] = [:], stdin: String? = nil,
                    timeout: Duration? = nil) throws -> CommandResult {
        try runCommand(argv, environment: self.environment.merging(environment) { _, new in new },
                       stdin: stdin, timeout: timeout)
    }

    /// Flushes the file system (syncfs).
    public func sync() throws {
        try runCommand(["sync", "-f", mountPoint]).check()
    }

    /// sync, then drop the page cache, dentries and inodes of the whole machine.
    public func dropCaches() throws {
        try sync()
        try writeToFile("/proc/sys/vm/drop_caches", "3\n")
    }

    /// Unmounts the file system now; the devices stay until teardown.
    public func unmount() throws {
        try runCommand(["umount", mountPoint]).check()
    }

    /// Unmounts and mounts the file system again, with `options` (such as
    /// "strictatime"): its inodes and metadata are then read from the disk
    /// again. Arm faults after it, so that neither the unmount nor the
    /// mount meets them.
    public func remount(options: [String] = []) throws {
        try unmount()
        try mount(options: options)
    }

    /// Mounts the file system again after `unmount()` (to change it
    /// unmounted in between, with xfs_db say).
    public func mount(options: [String] = []) throws {
        let all = options + (log.map { ["logdev=\($0.device)"] } ?? []) + (realtime.map { ["rtdev=\($0.device)"] } ?? [])
        try runCommand(["mount", "-t", "xfs"] + (all.isEmpty ? [] : ["-o", all.joined(separator: ",")])
                           + [data.device, mountPoint]).check()
    }

    /// Loop devices, mounts and fault disk processes still referring to
    /// `directory`, one description each; empty when all is gone.
    public static func leftovers(of directory: String) -> [String] {
        var found: [String] = []
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        func under(_ path: String) -> Bool { path == dir || path.hasPrefix(dir + "/") }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/sys/block") {
            for entry in entries where entry.hasPrefix("loop") {
                guard let bytes = try? readWholeFile("/sys/block/\(entry)/loop/backing_file") else { continue }
                let backing = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .newlines)
                if under(backing.replacingOccurrences(of: " (deleted)", with: "")) {
                    found.append("loop device /dev/\(entry) on \(backing)")
                }
            }
        }
        if let info = try? readWholeFile("/proc/self/mountinfo") {
            for line in String(decoding: info, as: UTF8.self).split(separator: "\n") {
                let f = line.split(separator: " ")
                if f.count > 4, under(String(f[4])) { found.append("mount \(line)") }
            }
        }
        if let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") {
            for pid in pids where pid.allSatisfy(\.isNumber) {
                guard let cmdline = try? readWholeFile("/proc/\(pid)/cmdline"), !cmdline.isEmpty else { continue }
                let argv = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                if argv.first?.hasSuffix("faultdisk") == true, argv.dropFirst().contains(where: under) {
                    found.append("fault disk process \(pid): \(argv.joined(separator: " "))")
                }
            }
        }
        if access(dir, F_OK) == 0 { found.append("directory \(dir)") }
        return found
    }
}
