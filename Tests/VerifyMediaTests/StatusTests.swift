// Seeing a scan from another shell and from systemd (issue 12.1): the
// state file `status` reads while a real scan runs on a test bed, a scan
// killed without finishing, and the sd_notify datagrams (READY=1, STATUS=,
// STOPPING=1) received on a real AF_UNIX datagram socket the test binds
// itself, as systemd does for a Type=notify unit.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

/// A datagram socket bound to a path, receiving what $NOTIFY_SOCKET senders send.
final class NotifyReceiver {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        unlink(path)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestBedError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw TestBedError("bind \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Every datagram queued now, in order (without waiting).
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count < 0 { return messages }
            messages.append(String(decoding: buffer[..<count], as: UTF8.self))
        }
    }
}

/// Fills a test bed with enough data for a scan at 20 MiB/s to take a few seconds.
private func fillForStatus(_ bed: TestBed) throws {
    for index in 0..<2 { try bed.writeFile("big\(index)", size: 48 << 20, seed: UInt64(index)) }
    try bed.sync()
    _ = try bed.fsmap()
}

/// The tool with `arguments`, writing -C progress lines to `progress`.
private func spawnWithProgress(_ progress: String, _ arguments: [String]) throws -> SpawnedProcess {
    try spawnProcess(["/bin/sh", "-c", "exec \"$0\" \"$@\" 3>\"$XVM_PROGRESS\"", RepoPaths.binary, "-C", "3"] + arguments,
                     environment: ["XVM_PROGRESS": progress])
}

/// `status ARGS --json`, decoded.
private func statusJSON(_ arguments: [String]) throws -> [[String: Any]] {
    let run = try runTool(["status", "--json"] + arguments)
    #expect(run.status == 0, "\(run)")
    let object = try run.jsonObject()
    #expect(object["format"] as? String == "xfs-verify-media-status/1")
    return try #require(object["filesystems"] as? [[String: Any]], "\(run)")
}

@Suite("Status of running and finished scans, systemd notify", .serialized,
       .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct StatusTests {
    @Test("status shows a running scan (percent, rate, time left, bad so far, pid, engine), then how it ended")
    func statusOfARunningScan() throws {
        try TestBed.with { bed in
            try fillForStatus(bed)
            let bad = try bed.physicalOffset("big1", fileOffset: 40 << 20)
            try bed.data.arm(.eio, offset: bad, length: 512)
            let progress = bed.directory + "/progress"
            let scan = try spawnWithProgress(progress, ["--rate", "20M", "--engine", "sync", bed.mountPoint])
            defer {
                scan.kill(SIGKILL)
                _ = scan.wait(timeout: .seconds(20))
            }
            try waitUntilReading(progress)
            usleep(1_500_000)
            let text = try runTool(["status", bed.mountPoint])
            #expect(text.status == 0, "\(text)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("\(bed.mountPoint): scanning, ") == true, "\(text)")
            #expect(lines.first?.contains(" % done, ") == true && lines.first?.contains("MiB/s") == true
                    && lines.first?.contains(" to go, 0 bad sectors") == true, "\(text)")
            #expect(text.stdout.contains("pid \(scan.pid), sync engine, scope allocated"), "\(text)")

            let filesystems = try statusJSON([bed.mountPoint])
            let running = try #require(filesystems.first?["running"] as? [String: Any], "\(filesystems)")
            #expect(running["pid"] as? Int == Int(scan.pid))
            #expect(running["engine"] as? String == "sync" && running["state"] as? String == "running")
            let fraction = try #require(running["fraction_done"] as? Double)
            #expect(fraction > 0 && fraction < 1, "\(running)")
            #expect((running["bytes_per_second"] as? Double ?? 0) > 0)
            #expect(running["seconds_left"] is Double)

            // Let it finish: the bad sector is found, and status says how it ended.
            #expect(scan.wait(timeout: .seconds(120)) == Int32(1 | 2))
            let after = try runTool(["status", bed.mountPoint])
            #expect(after.stdout.contains("\(bed.mountPoint): last scan ") && after.stdout.contains(": complete, 1 bad range, 1 file hit, exit status 3"),
                    "\(after)")
            #expect(!after.stdout.contains("scanning"), "\(after)")
            let last = try #require(try statusJSON([bed.mountPoint]).first?["last"] as? [String: Any])
            #expect(last["complete"] as? Bool == true && last["bad_ranges"] as? Int == 1 && last["exit_status"] as? Int == 3, "\(last)")
            // Without PATH, every mounted filesystem with a scan: this one among them.
            #expect(try statusJSON([]).contains { $0["mountpoint"] as? String == bed.mountPoint })
        }
    }

    @Test("a scan killed without finishing is told from a running one; the next scan carries the last outcome along")
    func killedScanIsNotRunning() throws {
        try TestBed.with { bed in
            try fillForStatus(bed)
            let progress = bed.directory + "/progress"
            #expect(try runTool(["-q", bed.mountPoint]).status == 0)
            let scan = try spawnWithProgress(progress, ["--rate", "20M", bed.mountPoint])
            try waitUntilReading(progress)
            usleep(1_200_000)
            // While it runs, status still shows the scan before it.
            let during = try #require(try statusJSON([bed.mountPoint]).first)
            #expect(during["running"] is [String: Any] && (during["last"] as? [String: Any])?["complete"] as? Bool == true, "\(during)")
            scan.kill(SIGKILL)
            #expect(scan.wait(timeout: .seconds(20)) == 128 + SIGKILL)
            let text = try runTool(["status", bed.mountPoint])
            #expect(text.stdout.contains("(pid \(scan.pid)) ended without finishing, last seen "), "\(text)")
            #expect(!text.stdout.contains("scanning"), "\(text)")
            let status = try #require(try statusJSON([bed.mountPoint]).first)
            #expect(status["running"] is NSNull && (status["abandoned"] as? [String: Any])?["pid"] as? Int == Int(scan.pid), "\(status)")
        }
    }

    @Test("a scan tells systemd READY=1, then STATUS= lines with its progress, then STOPPING=1 and how it ended")
    func notifySocketMessages() throws {
        try TestBed.with { bed in
            try fillForStatus(bed)
            let receiver = try NotifyReceiver(path: bed.directory + "/notify")
            let run = try runTool(["-q", "--rate", "40M", bed.mountPoint], environment: ["NOTIFY_SOCKET": receiver.path])
            #expect(run.status == 0, "\(run)")
            let messages = receiver.drain()
            #expect(messages.first == "READY=1", "\(messages)")
            let progress = messages.filter { $0.hasPrefix("STATUS=") && $0.contains(" % done, ") }
            #expect(progress.count >= 2, "one STATUS= a second while scanning: \(messages)")
            #expect(progress.allSatisfy { $0.range(of: #"^STATUS=[0-9.]+ % done, .*, [0-9]+ bad sectors?$"#, options: .regularExpression) != nil },
                    "\(progress)")
            #expect(messages.last == "STOPPING=1\nSTATUS=complete, no media errors, exit status 0", "\(messages)")
        }
    }
}

/// The receiver above is what systemd does: systemd's own client,
/// systemd-notify, is heard by it (path and abstract sockets).
@Suite struct NotifyProtocolTests {
    @Test(.enabled(if: findExecutable("systemd-notify") != nil, "systemd-notify is not installed"))
    func systemdNotifyReachesTheReceiver() throws {
        let directory = try Scheduled.temporaryDirectory("notify")
        defer { Scheduled.removeTree(directory) }
        let receiver = try NotifyReceiver(path: directory + "/notify")
        // --no-block: no BARRIER=1 round trip, which needs systemd's side of it.
        let run = try runCommand(["systemd-notify", "--no-block", "--ready", "--status=42 % done"],
                                 environment: ["NOTIFY_SOCKET": receiver.path], timeout: .seconds(30))
        #expect(run.status == 0, "\(run)")
        let messages = receiver.drain()
        #expect(messages.contains { $0.split(separator: "\n").contains("READY=1") && $0.split(separator: "\n").contains("STATUS=42 % done") },
                "\(messages)")
    }

    /// Under systemd as PID 1: the scan as a real Type=notify service.
    @Test(.enabled(if: PIDOne.isSystemd && Harness.unavailableReason == nil,
                   Comment(rawValue: PIDOne.isSystemd ? (Harness.unavailableReason ?? "") : "systemd is not PID 1 here (\(PIDOne.name)): systemd-run cannot start a Type=notify unit")))
    func typeNotifyUnitUnderSystemd() throws {
        try TestBed.with { bed in
            try bed.writeFile("a", size: 8 << 20)
            try bed.sync()
            let unit = "xvm-notify-test-\(getpid())"
            let run = try runCommand(["systemd-run", "--wait", "--quiet", "--unit", unit, "-p", "Type=notify", RepoPaths.binary, "-q", bed.mountPoint],
                                     timeout: .seconds(300))
            #expect(run.status == 0, "\(run)")
            let result = try runCommand(["journalctl", "-u", unit, "-o", "cat", "--no-pager"]).stdout
            #expect(!result.contains("protocol"), "\(result)")
        }
    }
}

enum PIDOne {
    static let name: String = (try? String(contentsOfFile: "/proc/1/comm", encoding: .utf8))?
        .trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
    static var isSystemd: Bool { name == "systemd" && FileManager.default.fileExists(atPath: "/run/systemd/system") }
}

/// --max-runtime, --window, --resume-only (issue 12.2).
@Suite("Bounded runs: pause at a deadline with a checkpoint, continue only what is unfinished", .serialized,
       .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct BoundedRunTests {
    @Test("--max-runtime pauses with the checkpoint and exits 0; --resume-only finishes it, then does nothing")
    func maxRuntimeThenResumeOnly() throws {
        try TestBed.with { bed in
            try fillForStatus(bed)
            let checkpoint = bed.directory + "/scan.checkpoint"
            let paused = try runTool(["--json", "--rate", "20M", "--max-runtime", "2s", "--checkpoint", checkpoint, bed.mountPoint])
            #expect(paused.status == 0, "bounded by choice is not a failure: \(paused)")
            #expect(paused.stderr.range(of: #"paused, [0-9.]+ % done, resumes with --resume"#, options: .regularExpression) != nil, "\(paused)")
            let report = try paused.report()
            #expect(!report.complete && report.stopReason == "paused after the --max-runtime of 2.0 s", "\(paused)")
            #expect(report.summary.exitStatus == 0)
            #expect(FileManager.default.fileExists(atPath: checkpoint))
            let status = try runTool(["status", bed.mountPoint])
            #expect(status.stdout.range(of: #": paused, [0-9.]+ % done, no media errors, exit status 0"#, options: .regularExpression) != nil,
                    "\(status)")

            let resumed = try runTool(["--json", "--resume-only", "--checkpoint", checkpoint, bed.mountPoint])
            #expect(resumed.status == 0, "\(resumed)")
            #expect(try resumed.report().complete)
            #expect(!FileManager.default.fileExists(atPath: checkpoint))

            try bed.data.resetCounters()
            let nothing = try runTool(["--resume-only", "--checkpoint", checkpoint, bed.mountPoint])
            #expect(nothing.status == 0 && nothing.stdout.isEmpty, "\(nothing)")
            #expect(nothing.stderr.contains("no unfinished scan to resume; nothing to do"), "\(nothing)")
            #expect(try bed.data.totals().reads == 0, "--resume-only without a checkpoint reads nothing")
        }
    }

    @Test("--window: outside it nothing is read; inside it the scan runs")
    func window() throws {
        try TestBed.with { bed in
            try bed.writeFile("a", size: 4 << 20)
            try bed.sync()
            let checkpoint = bed.directory + "/scan.checkpoint"
            let now = Int(Date().timeIntervalSince1970)
            var local = tm()
            var seconds = time_t(now)
            localtime_r(&seconds, &local)
            let minute = Int(local.tm_hour) * 60 + Int(local.tm_min)
            func hhmm(_ minutes: Int) -> String { String(format: "%02d:%02d", (minutes + 1440) % 1440 / 60, (minutes + 1440) % 60) }
            try bed.data.resetCounters()
            let closed = try runTool(["--window", "\(hhmm(minute + 120))-\(hhmm(minute + 180))", "--checkpoint", checkpoint, bed.mountPoint])
            #expect(closed.status == 0 && closed.stderr.contains("outside the window"), "\(closed)")
            #expect(try bed.data.totals().reads == 0)
            let open = try runTool(["--json", "--window", "\(hhmm(minute - 1))-\(hhmm(minute + 120))", "--checkpoint", checkpoint, bed.mountPoint])
            #expect(open.status == 0, "\(open)")
            #expect(try open.report().complete)
        }
    }

    @Test("a bound needs a checkpoint; a malformed window or runtime is a usage error")
    func usage() throws {
        for arguments in [["--max-runtime", "1h"], ["--window", "01:00-06:00"], ["--resume-only"],
                          ["--window", "25:00-06:00", "--checkpoint", "/tmp/x"], ["--window", "01:00-01:00", "--checkpoint", "/tmp/x"],
                          ["--max-runtime", "0", "--checkpoint", "/tmp/x"], ["--max-runtime", "soon", "--checkpoint", "/tmp/x"]] {
            let run = try runTool(arguments + ["/"])
            #expect(run.status == 8, "\(arguments): \(run)")
        }
    }
}
