// The watcher starter on this machine's own kernel (fanotify mount events,
// Linux 6.15+), in dry-run mode: it names the unit it would start for a
// test bed's XFS, once per filesystem, and notices the unmount.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed
import VerifyMedia

enum MountEvents {
    /// nil when fanotify reports mount events here.
    static let unavailableReason: String? = {
        if let reason = Harness.unavailableReason { return reason }
        do {
            _ = try MountNotifier()
            return nil
        } catch {
            return "no fanotify mount events on this kernel (FAN_REPORT_MNT, Linux 6.15): \(error)"
        }
    }()
}

@Suite(.serialized, .enabled(if: MountEvents.unavailableReason == nil, Comment(rawValue: MountEvents.unavailableReason ?? "")))
struct WatchMountsTests {
    final class Starter {
        let process: SpawnedProcess
        let outputPath: String

        init(_ directory: String) throws {
            outputPath = directory + "/starter-\(UUID().uuidString.prefix(8)).out"
            process = try spawnProcess([RepoPaths.binary, "watch-mounts", "--dry-run"], outputPath: outputPath)
            try waitFor("the starter to watch") { $0.contains { $0.hasPrefix("watching the mount namespace for XFS filesystems") } }
        }

        var lines: [String] {
            ((try? readWholeFile(outputPath)).map { String(decoding: $0, as: UTF8.self) } ?? "").split(separator: "\n").map(String.init)
        }

        func waitFor(_ what: String, _ condition: ([String]) -> Bool) throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if condition(lines) { return }
                if let status = process.wait(timeout: .milliseconds(50)) {
                    throw TestBedError("the starter exited \(status) before \(what):\n\(lines.joined(separator: "\n"))")
                }
            }
            throw TestBedError("no \(what):\n\(lines.joined(separator: "\n"))")
        }

        func stop() -> Int32 {
            process.kill(SIGTERM)
            return process.wait(timeout: .seconds(30)) ?? { process.kill(SIGKILL); return process.wait() }()
        }
    }

    static func unit(for path: String) throws -> String {
        let escaped = findExecutable("systemd-escape").flatMap { try? runCommand([$0, "--path", path]).stdout } ?? SystemdUnits.escapePath(path)
        return "xfs_verify_media_watch@\(escaped.trimmingCharacters(in: .newlines)).service"
    }

    @Test func theStarterSeesATestXFSMountedAndUnmounted() throws {
        let directory = try makeTemporaryDirectory("starter")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let starter = try Starter(directory)
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            let unit = try WatchMountsTests.unit(for: bed.mountPoint)
            try starter.waitFor("the new mount") { $0.contains("\(bed.mountPoint): would start \(unit)") }
            // A second mount of the same filesystem gets no second watcher.
            let bind = bed.directory + "/bind"
            try runCommand(["mkdir", "-p", bind]).check()
            try runCommand(["mount", "--bind", bed.mountPoint, bind]).check()
            defer { _ = try? runCommand(["umount", bind]) }
            try starter.waitFor("the bind mount") { $0.contains("\(bind): another mount of a filesystem already watched; no second watcher") }
            let bindUnit = try WatchMountsTests.unit(for: bind)
            #expect(!starter.lines.contains { $0.contains("would start \(bindUnit)") })
            try runCommand(["umount", bind]).check()
            // One already mounted when a starter begins is started too.
            let late = try Starter(directory)
            try late.waitFor("the existing mount") { $0.contains("\(bed.mountPoint): would start \(unit)") }
            #expect(late.stop() == 0)
            try bed.unmount()
            try starter.waitFor("the unmount") { $0.contains("\(bed.mountPoint): XFS unmounted (its watcher ends by itself)") }
        }
        #expect(starter.stop() == 0)
    }
}
