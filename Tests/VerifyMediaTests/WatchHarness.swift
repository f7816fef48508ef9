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

/// What the emulated and the real health monitor must both bring about.
enum WatchScenarios {
    /// A scan with the kernel engine reports the bad sector it pinpoints;
    /// the watcher hears MEDIA_ERROR (and DATALOST), verifies the range
    /// around it with the kernel engine too (whose own reports must not
    /// start more verifications), names the file and offset exactly, and
    /// records the bad range once in the history and the report.
    static func reportedMediaError(_ bed: TestBed, emulated: Bool) throws {
        try bed.writeFile("photos/beach.raw", size: 8 << 20, seed: 1)
        try bed.sync()
        let offset: UInt64 = 950_272
        let physical = try bed.physicalOffset("photos/beach.raw", fileOffset: offset)
        try bed.data.arm(.eio, offset: physical, length: 512)
        let state = bed.directory + "/state", reportPath = bed.directory + "/watch.json"
        let watch = try WatchProcess(bed, ["--engine", "kernel", "--state-dir", state, "--report", reportPath], emulated: emulated)

        let scan = try bed.run([RepoPaths.binary, "--engine", "kernel", "-q", bed.mountPoint],
                               environment: emulated ? ["LD_PRELOAD": Emulator.library] : [:], timeout: .seconds(300))
        #expect(scan.status == 3, "\(scan)")
        let file = bed.path("photos/beach.raw")
        let named = "\(file): media error at data offset \(offset) length 512 (EIO) [new]"
        try watch.waitFor("the file named") { $0.contains(named) && $0.contains { $0.contains(": verified ") } }
        let daddr = String(physical >> 9, radix: 16)
        #expect(watch.lines.contains("\(bed.mountPoint) datadev daddr 0x\(daddr) bbcount 0x1: media error"))
        // The kernel reports the file block (4096), the emulator the bio (512).
        #expect(watch.lines.contains { $0.hasPrefix("\(file) pos \(offset) len ") && $0.hasSuffix(": media failed") }, "\(watch.output)")
        // Let the watcher's own reports arrive: they must not start another verification.
        try watch.waitFor("the watcher's own report") { lines in
            lines.filter { $0.hasSuffix("bbcount 0x1: media error") }.count >= 2
        }
        sleep(2)
        #expect(watch.lines.filter { $0.contains(": verifying data device") }.count == 1, "\(watch.output)")
        #expect(watch.lines.filter { $0.contains("media error at data offset") }.count == 1, "\(watch.output)")

        let files = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasSuffix(".json") }
        #expect(files.count == 1, "\(files)")
        let history = try JSONSerialization.jsonObject(with: Data(try readWholeFile("\(state)/\(files.first ?? "")"))) as? [String: Any]
        let runs = history?["runs"] as? [[String: Any]] ?? []
        #expect(runs.count == 1)
        let ranges = runs.first?["bad_ranges"] as? [[String: Any]] ?? []
        #expect(ranges.count == 1)
        #expect((ranges.first?["start_daddr"] as? NSNumber)?.uint64Value == physical >> 9)
        #expect((ranges.first?["end_daddr"] as? NSNumber)?.uint64Value == (physical >> 9) + 1)
        #expect(runs.first?["complete"] as? Bool == false, "a verification of some ranges must not count as a full scan")
        let report = try ScanReport.decode(String(decoding: try readWholeFile(reportPath), as: UTF8.self), context: reportPath)
        #expect(report.badRanges.count == 1)
        #expect(report.badRanges.first?.owners.first?.path == file)

        try bed.unmount()
        #expect(watch.exitStatus() == 0, "\(watch.output)")
    }
}
