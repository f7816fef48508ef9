// The guest's userland (Debian unstable: xfsprogs 7.x) run on whatever kernel
// runs the tests, through `testbed/guest userland` (a chroot in a private
// mount namespace). mkfs.xfs with parent pointers, xfs_io healthmon,
// xfs_scrub, xfs_db: tools Debian 12 has only in older versions.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum SidUserland {
    /// testbed/guest, the script that fetches and runs the userland.
    public static var script: String { RepoPaths.root + "/testbed/guest" }

    /// nil when the userland is cached or can be fetched now; else why not.
    /// Fetches it (about a minute) the first time.
    public static var unavailableReason: String? { fetched }

    private static let fetched: String? = {
        if getuid() != 0 { return "the sid userland needs root (chroot)" }
        guard let result = try? runCommand([script, "fetch"], timeout: .seconds(900)) else { return "\(script) cannot run" }
        guard result.succeeded else {
            return "cannot fetch the sid userland: " + (result.stderr.split(separator: "\n").last.map(String.init) ?? "\(result.status)")
        }
        return nil
    }()

    /// The command line that runs `tool` of the userland; /tmp, /var/tmp,
    /// the test bed base and the working directory are visible inside.
    public static func command(_ tool: String, _ arguments: [String] = []) -> [String] {
        [script, "userland", "--", tool] + arguments
    }

    /// mkfs.xfs of the userland, for `TestBedOptions.mkfsProgram`.
    public static var mkfs: String { command("mkfs.xfs").joined(separator: " ") }

    /// Runs `tool` of the userland to completion.
    public static func run(_ tool: String, _ arguments: [String], timeout: Duration = .seconds(300)) throws -> CommandResult {
        if let unavailableReason { throw TestBedError(unavailableReason) }
        return try runCommand(command(tool, arguments), timeout: timeout)
    }
}

/// One line of `xfs_io -c healthmon`'s output.
public enum HealthEvent: Sendable, Equatable, CustomStringConvertible {
    /// "MNT datadev daddr 0x124 bbcount 0x1: media error" (MEDIA_ERROR).
    case mediaError(device: String, daddr: UInt64, bbcount: UInt64)
    /// "MNT ino 131 gen 0x1c8d4870 pos 49152 len 4096: media failed" (FILERANGE, DATALOST).
    case fileRange(ino: UInt64, gen: UInt32, pos: UInt64, length: UInt64, what: String)
    /// Anything else, as printed after the mount point.
    case other(String)

    public var description: String {
        switch self {
        case let .mediaError(device, daddr, bbcount): "\(device) media error daddr \(daddr) bbcount \(bbcount)"
        case let .fileRange(ino, gen, pos, length, what): "ino \(ino) gen \(gen) pos \(pos) len \(length): \(what)"
        case let .other(text): text
        }
    }

    /// Parses one line; `mountPoint` is the prefix xfs_io prints.
    public static func parse(_ line: String, mountPoint: String) -> HealthEvent? {
        guard line.hasPrefix(mountPoint) else { return nil }
        let rest = line.dropFirst(mountPoint.count).trimmingCharacters(in: .whitespaces)
        let parts = rest.components(separatedBy: ": ")
        let fields = parts[0].split(separator: " ").map(String.init)
        let what = parts.dropFirst().joined(separator: ": ")
        func number(_ text: String) -> UInt64? {
            text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        }
        if fields.count == 5, fields[1] == "daddr", fields[3] == "bbcount", what == "media error",
           let daddr = number(fields[2]), let count = number(fields[4]) {
            return .mediaError(device: fields[0], daddr: daddr, bbcount: count)
        }
        if fields.count == 8, fields[0] == "ino", fields[2] == "gen", fields[4] == "pos", fields[6] == "len",
           let ino = number(fields[1]), let gen = number(fields[3]), let pos = number(fields[5]), let len = number(fields[7]) {
            return .fileRange(ino: ino, gen: UInt32(truncatingIfNeeded: gen), pos: pos, length: len, what: what)
        }
        return .other(rest)
    }
}

/// The kernel's health monitor of one mounted XFS, recorded by the userland's
/// `xfs_io -c 'healthmon -c -v'` (an independent reader: xfsprogs' own).
/// Only one monitor may watch a filesystem at a time. Stop it before
/// unmounting: its mount namespace holds the filesystem until it exits.
public final class HealthMonitorRecorder {
    public let mountPoint: String
    let output: String
    let process: SpawnedProcess
    private var stopped = false

    /// Starts the monitor and waits until it says "monitoring started".
    public init(mountPoint: String, verbose: Bool = true) throws {
        if let reason = SidUserland.unavailableReason { throw TestBedError(reason) }
        self.mountPoint = mountPoint
        output = "/tmp/xvm-healthmon-\(getpid())-\(UUID().uuidString.prefix(8)).log"
        process = try spawnProcess(SidUserland.command("xfs_io", ["-c", verbose ? "healthmon -c -v" : "healthmon -c", mountPoint]),
                                   outputPath: output)
        let deadline = ContinuousClock.now + .seconds(60)
        while try !lines().contains(where: { $0.hasSuffix("monitoring started") }) {
            if let status = process.wait(timeout: .zero) {
                stopped = true
                throw TestBedError("xfs_io healthmon exited \(status): \(try lines().joined(separator: "\n"))")
            }
            if ContinuousClock.now > deadline {
                stop()
                throw TestBedError("xfs_io healthmon did not start within 60 s")
            }
            usleep(50_000)
        }
    }

    deinit {
        stop()
        unlink(output)
    }

    /// Every line printed so far.
    public func lines() throws -> [String] {
        guard access(output, F_OK) == 0 else { return [] }
        return String(decoding: try readWholeFile(output), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Every event printed so far (the "monitoring started" line left out).
    public func events() throws -> [HealthEvent] {
        try lines().compactMap { HealthEvent.parse($0, mountPoint: mountPoint) }
            .filter { $0 != .other("monitoring started") }
    }

    /// Waits until `done(events)` holds or `timeout` passes; returns the events then.
    /// The kernel queues events as it goes, so a test waits for what it expects
    /// and then gives stragglers a moment (`settle`).
    public func events(waitingUpTo timeout: Duration, settle: Duration = .seconds(1),
                       until done: ([HealthEvent]) -> Bool) throws -> [HealthEvent] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !done(try events()) { usleep(100_000) }
        usleep(UInt32(settle.components.seconds * 1_000_000 + settle.components.attoseconds / 1_000_000_000_000))
        return try events()
    }

    /// Stops the monitor (SIGTERM, then SIGKILL). Idempotent.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        process.kill(SIGTERM)
        if process.wait(timeout: .seconds(5)) == nil {
            process.kill(SIGKILL)
            process.wait()
        }
    }
}
