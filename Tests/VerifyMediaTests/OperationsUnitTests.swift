// The units of bounded runs and of failure mail, run as systemd would run
// them (issue 12.2, 12.7): their ExecStart= lines, with the specifiers
// filled in, on a real test bed; the mail goes to a stand-in sendmail on
// PATH that records what it is given.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

/// A unit's ExecStart= as systemd would run it for the instance `mountPoint`.
private func execStart(_ unit: String, mountPoint: String, stateDirectory: String, options: String = "",
                       email: String = "root") throws -> [String] {
    let line = try #require(try Scheduled.values("ExecStart", in: unit).first)
    let escaped = try runCommand(["systemd-escape", "--path", mountPoint]).check().stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    return line.split(separator: " ").flatMap { word -> [String] in
        if word == "$XVM_OPTIONS" { return options.split(separator: " ").map(String.init) }
        return [String(word).replacingOccurrences(of: "%i", with: escaped).replacingOccurrences(of: "%f", with: mountPoint)
            .replacingOccurrences(of: "${EMAIL_ADDR}", with: email)
            .replacingOccurrences(of: "/var/lib/xfs_verify_media", with: stateDirectory)
            .replacingOccurrences(of: "/usr/local/sbin/xfs_verify_media", with: RepoPaths.binary)
            .replacingOccurrences(of: "/usr/local/lib/xfs_verify_media/xfs_verify_media_fail", with: Scheduled.failScript)]
    }
}

@Suite(.serialized) struct OperationsUnitTests {
    /// The continue unit is the scan unit with --resume-only instead of
    /// --resume and --interval: the same sandbox, the same files.
    @Test func continueUnitIsTheScanUnitResumingOnly() throws {
        func service(_ unit: String) throws -> [String: [String]] {
            var settings: [String: [String]] = [:]
            let text = try Scheduled.read(Scheduled.unitDirectory + "/" + unit)
            let body = String(text[try #require(text.range(of: "\n[Service]\n")).upperBound...])
            for line in body.split(separator: "\n") where !line.hasPrefix("#") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                settings[String(line[..<eq]), default: []].append(String(line[line.index(after: eq)...]))
            }
            return settings
        }
        var scan = try service("xfs_verify_media@.service"), resume = try service("xfs_verify_media_continue@.service")
        let scanExec = try #require(scan.removeValue(forKey: "ExecStart")?.first).split(separator: " ")
        let resumeExec = try #require(resume.removeValue(forKey: "ExecStart")?.first).split(separator: " ")
        #expect(scan == resume, "the sandboxes differ")
        var expected = scanExec.filter { $0 != "--resume" }
        let interval = try #require(expected.firstIndex(of: "--interval"))
        expected.removeSubrange(interval...interval + 1)
        #expect(resumeExec.filter { $0 != "--resume-only" } == expected && resumeExec.contains("--resume-only"), "\(resumeExec)")
        #expect(try Scheduled.values("ConditionPathExists", in: "xfs_verify_media_continue@.service")
                == ["/var/lib/xfs_verify_media/%i.checkpoint"])
        #expect(try Scheduled.values("OnFailure", in: "xfs_verify_media_continue@.service") == ["xfs_verify_media_fail@%i.service"])
        #expect(try Scheduled.values("OnCalendar", in: "xfs_verify_media_continue@.timer") == ["*-*-* 01:05:00"])
        #expect(try Scheduled.values("Persistent", in: "xfs_verify_media_continue@.timer").isEmpty, "a missed night is not made up")
    }

    /// The scan unit bounded by XVM_OPTIONS pauses and exits 0; the
    /// continue unit finishes the scan, then has nothing to do.
    @Test(.enabled(if: Harness.unavailableReason == nil && findExecutable("systemd-escape") != nil,
                   Comment(rawValue: Harness.unavailableReason ?? "systemd-escape is not installed")))
    func boundedScanUnitThenContinueUnit() throws {
        try TestBed.with { bed in
            for index in 0..<2 { try bed.writeFile("big\(index)", size: 48 << 20, seed: UInt64(index)) }
            try bed.sync()
            let state = bed.directory + "/state"
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            // -b caps the unit's scan at 64 MiB/s: 96 MiB take more than the second allowed.
            let first = try runCommand(try execStart("xfs_verify_media@.service", mountPoint: bed.mountPoint, stateDirectory: state,
                                                     options: "--max-runtime 1s --rate 20M"))
            #expect(first.status == 0, "\(first)")
            #expect(first.stderr.contains("paused, ") && first.stderr.contains(" % done, resumes with --resume"), "\(first)")
            let checkpoints = try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasSuffix(".checkpoint") }
            #expect(checkpoints.count == 1, "\(checkpoints)")

            let resumed = try runCommand(try execStart("xfs_verify_media_continue@.service", mountPoint: bed.mountPoint, stateDirectory: state))
            #expect(resumed.status == 0 && resumed.stdout.isEmpty, "quiet when clean: \(resumed)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: state).filter { $0.hasSuffix(".checkpoint") }.isEmpty)
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: state + "/" + checkpoints[0]
                .replacingOccurrences(of: ".checkpoint", with: ".report.json")))) as? [String: Any]
            #expect(report?["complete"] as? Bool == true)

            try bed.data.resetCounters()
            let idle = try runCommand(try execStart("xfs_verify_media_continue@.service", mountPoint: bed.mountPoint, stateDirectory: state))
            #expect(idle.status == 0 && idle.stdout.isEmpty && idle.stderr.isEmpty, "-q: nothing to do, nothing said: \(idle)")
            #expect(try bed.data.totals().reads == 0)
        }
    }

    /// xfs_verify_media_fail@.service's ExecStart after a scan that found a
    /// damaged file: the mail to root names the file, says the exit status,
    /// carries the run's journal (asked for by its invocation id), the
    /// status and the JSON report. Without sendmail: a line, exit 0.
    @Test(.enabled(if: Harness.unavailableReason == nil && findExecutable("systemd-escape") != nil,
                   Comment(rawValue: Harness.unavailableReason ?? "systemd-escape is not installed")))
    func failureMailGoesToSendmail() throws {
        try TestBed.with { bed in
            try bed.writeFile("docs/report.txt", size: 1 << 20)
            try bed.sync()
            try bed.data.arm(.eio, offset: try bed.physicalOffset("docs/report.txt", fileOffset: 8192), length: 512)
            let state = bed.directory + "/state"
            try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
            let scan = try runCommand(try execStart("xfs_verify_media@.service", mountPoint: bed.mountPoint, stateDirectory: state))
            #expect(scan.status == 1 | 2 | 16, "\(scan)")

            let bin = bed.directory + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: bin + "/xfs_verify_media", withDestinationPath: RepoPaths.binary)
            let mail = bed.directory + "/mail"
            try Scheduled.write(bin + "/sendmail", "#!/bin/sh\necho \"ARGS: $*\" >\"$XVM_MAIL\"\ncat >>\"$XVM_MAIL\"\n")
            try Scheduled.write(bin + "/journalctl", "#!/bin/sh\necho \"journalctl $*\"\necho '\(bed.mountPoint)/docs/report.txt: media error at data offset 8192 length 512 (EIO) [new]'\n")
            for tool in ["sendmail", "journalctl"] { chmod(bin + "/" + tool, 0o755) }
            let unit = try execStart("xfs_verify_media_fail@.service", mountPoint: bed.mountPoint, stateDirectory: state)[1]
            let environment = ["PATH": bin + ":/usr/bin:/bin", "XVM_MAIL": mail, "XVM_STATE_DIR": state,
                               "MONITOR_UNIT": unit, "MONITOR_EXIT_STATUS": "19", "MONITOR_INVOCATION_ID": "0123abcd"]
            let fail = try runCommand(try execStart("xfs_verify_media_fail@.service", mountPoint: bed.mountPoint, stateDirectory: state),
                                      environment: environment, timeout: .seconds(120))
            #expect(fail.status == 0, "\(fail)")
            let text = try Scheduled.read(mail)
            #expect(text.hasPrefix("ARGS: -t -i\nTo: root\n"), "\(text)")
            #expect(text.contains("Subject: xfs_verify_media on ") && text.contains(": the scan of \(bed.mountPoint) found media errors (exit status 19)"),
                    "\(text)")
            #expect(text.contains("journalctl -q --no-pager -o cat _SYSTEMD_INVOCATION_ID=0123abcd"), "\(text)")
            #expect(text.contains("\(bed.mountPoint)/docs/report.txt: media error at data offset 8192"), "\(text)")
            #expect(text.contains("\(bed.mountPoint): last scan ") && text.contains("complete, 1 bad range (1 new, 0 known), 1 file hit, exit status 19"),
                    "the status: \(text)")
            #expect(text.contains("\"schema\": \"xfs-verify-media/1\""), "the JSON report: \(text)")

            guard findExecutable("/usr/sbin/sendmail") == nil && findExecutable("/usr/lib/sendmail") == nil else { return }
            unlink(bin + "/sendmail")
            unlink(mail)
            let none = try runCommand(try execStart("xfs_verify_media_fail@.service", mountPoint: bed.mountPoint, stateDirectory: state),
                                      environment: environment, timeout: .seconds(60))
            #expect(none.status == 0 && none.stdout.contains("no sendmail on this machine"), "\(none)")
            #expect(!FileManager.default.fileExists(atPath: mail))
        }
    }
}
