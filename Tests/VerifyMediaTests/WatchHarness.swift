// Running `xfs_verify_media watch` as a daemon runs, on a real test bed,
// and feeding its health monitor: through the LD_PRELOAD emulator on
// kernels without one (its REPORT path, or records injected as the kernel
// would send them).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

/// A watcher running in the background, its stdout and stderr in a file.
final class WatchProcess {
    let process: SpawnedProcess
    let outputPath: String
    private var status: Int32?

    /// Starts `xfs_verify_media watch ARGUMENTS MNT` and waits for the
    /// monitor's first event. `emulated`: under the LD_PRELOAD emulator.
    init(_ bed: TestBed, _ arguments: [String], emulated: Bool = true, environment: [String: String] = [:],
         waitForStart: Bool = true) throws {
        outputPath = bed.directory + "/watch-\(UUID().uuidString.prefix(8)).out"
        var env = environment
        if emulated { env["LD_PRELOAD"] = Emulator.library }
        process = try spawnProcess([RepoPaths.binary, "watch"] + arguments + [bed.mountPoint], environment: env, outputPath: outputPath)
        if waitForStart {
            try waitFor("monitoring started") { $0.contains { $0.hasSuffix(": monitoring started") } }
        }
    }

    var output: String { (try? readWholeFile(outputPath)).map { String(decoding: $0, as: UTF8.self) } ?? "" }
    var lines: [String] { output.split(separator: "\n").map(String.init) }

    /// Waits until `condition` holds for the output lines, or fails the
    /// test with the output after `timeout` (or when the watcher exits).
    func waitFor(_ what: String, timeout: Duration = .seconds(90), _ condition: ([String]) -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(lines) { return }
            if status == nil, let exited = process.wait(timeout: .milliseconds(50)) { status = exited }
            if status != nil {
                if condition(lines) { return }
                throw TestBedError("the watcher exited \(status!) before \(what):\n\(output)")
            }
        }
        throw TestBedError("no \(what) within \(timeout):\n\(output)")
    }

    /// SIGSTOP, and waits until every thread of the watcher has stopped.
    func pause() throws {
        kill(process.pid, SIGSTOP)
        for _ in 0..<500 {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(process.pid)/task")) ?? []
            let states = tasks.compactMap { task -> Character? in
                guard let stat = try? readWholeFile("/proc/\(process.pid)/task/\(task)/stat") else { return nil }
                let text = String(decoding: stat, as: UTF8.self)
                guard let close = text.lastIndex(of: ")") else { return nil }
                return text[text.index(close, offsetBy: 2)]
            }
            if !states.isEmpty && states.allSatisfy({ $0 == "T" }) { return }
            usleep(10_000)
        }
        throw TestBedError("the watcher did not stop")
    }

    /// Waits for the watcher to exit on its own.
    func exitStatus(timeout: Duration = .seconds(30)) -> Int32? {
        if let status { return status }
        status = process.wait(timeout: timeout)
        return status
    }

    /// SIGTERM, then the exit status (SIGKILL after 30 s).
    @discardableResult
    func stop() -> Int32 {
        if let status { return status }
        process.kill(SIGTERM)
        if let exited = process.wait(timeout: .seconds(30)) {
            status = exited
        } else {
            process.kill(SIGKILL)
            status = process.wait()
        }
        return status!
    }

    deinit { if status == nil { stop() } }
}

/// The emulated health monitor's side door: records sent as one datagram
/// to the abstract socket "xvm-healthmon/MAJ:MIN" reach the monitor of
/// that filesystem as one burst (Tests/Emulator/healthmon_emulator.c).
enum InjectedEvents {
    static func send(_ records: [EventRecord], to bed: TestBed) throws {
        var st = stat()
        guard stat(bed.mountPoint, &st) == 0 else { throw TestBedError("stat \(bed.mountPoint): \(String(cString: strerror(errno)))") }
        let dev = UInt64(st.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff))
        let minor = (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let name = Array("xvm-healthmon/\(major):\(minor)".utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.baseAddress!.advanced(by: 1).copyMemory(from: name, byteCount: name.count) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + 1 + name.count)
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        for start in stride(from: 0, to: records.count, by: 1024) {
            let datagram = records[start..<min(start + 1024, records.count)].flatMap(\.bytes)
            let sent = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { target in
                    datagram.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, 0, target, length) }
                }
            }
            guard sent == datagram.count else { throw TestBedError("sending events: \(String(cString: strerror(errno)))") }
        }
    }
}

extension TestBed {
    /// The generation of a file (FS_IOC_GETVERSION).
    func generation(_ relative: String) throws -> UInt32 {
        let fd = open(path(relative), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TestBedError("open \(path(relative)): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var generation: Int32 = 0
        guard ioctl(fd, 0x8008_7601, &generation) == 0 else { throw TestBedError("FS_IOC_GETVERSION: \(String(cString: strerror(errno)))") }
        return UInt32(bitPattern: generation)
    }
}

enum WatchHarness {
    static let unavailableReason: String? = {
        if let reason = Harness.unavailableReason { return reason }
        return Emulator.buildError
    }()
}
