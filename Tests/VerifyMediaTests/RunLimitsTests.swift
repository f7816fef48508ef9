import Testing
import TestBed
@testable import VerifyMedia

@Suite("Run limits, state text, the state file's JSON")
struct RunLimitsTests {
    @Test("windows: HH:MM-HH:MM, past midnight too; open or closed, and seconds until they close")
    func windows() throws {
        let night = try #require(DailyWindow("01:00-06:00"))
        #expect(night.description == "01:00-06:00")
        #expect(night.secondsLeft(atSecondOfDay: 3600) == 18000.0)
        #expect(night.secondsLeft(atSecondOfDay: 5 * 3600 + 3599) == 1.0)
        #expect(night.secondsLeft(atSecondOfDay: 6 * 3600) == nil)
        #expect(night.secondsLeft(atSecondOfDay: 3599) == nil)
        let late = try #require(DailyWindow("22:30-4:00"))
        #expect(late.description == "22:30-04:00")
        #expect(late.secondsLeft(atSecondOfDay: 23 * 3600) == 18000.0)
        #expect(late.secondsLeft(atSecondOfDay: 3600) == 10800.0)
        #expect(late.secondsLeft(atSecondOfDay: 12 * 3600) == nil)
        for bad in ["", "01:00", "1-6", "01:00-06:60", "24:00-01:00", "01:00-01:00", "01:00-06:00-07:00", "a:b-c:d", "001:00-02:00"] {
            #expect(DailyWindow(bad) == nil, "\(bad)")
        }
    }

    @Test("the earliest bound is the deadline; a closed window means nothing to do")
    func deadlines() throws {
        #expect(RunLimits().deadline(at: 0) == .none)
        #expect(RunLimits(maxRuntime: 60).deadline(at: 0) == .after(seconds: 60, reason: "paused after the --max-runtime of 1:00"))
        let always = try #require(DailyWindow("00:00-23:59"))
        let start = Double(86400 * 1000)
        if case .after(let seconds, let reason) = RunLimits(maxRuntime: 30, window: always).deadline(at: start) {
            #expect(seconds == 30 && reason.contains("max-runtime"))
        } else {
            Issue.record("no deadline")
        }
    }

    @Test("status words: percent, durations, how a scan ended")
    func words() {
        #expect(StatusText.percent(0.42) == "42 %")
        #expect(StatusText.percent(0.995) == "99.5 %")
        #expect(StatusText.percent(0.004) == "0.4 %")
        #expect(StatusText.percent(1) == "100 %")
        #expect(StatusText.duration(45) == "45 s")
        #expect(StatusText.duration(12 * 60) == "12 min")
        #expect(StatusText.duration(3 * 3600 + 5 * 60) == "3 h 05 min")
        #expect(StatusText.duration(50 * 3600) == "2 days 2 h")
        let outcome = ScanState.Outcome(started: 0, ended: 10, seconds: 10, complete: true, paused: false, stopReason: nil, exitStatus: 19,
                                        engine: .uring, badRanges: 2, newBadRanges: 1, knownBadRanges: 1, badSectors: 2,
                                        filesAffected: 1, devices: [], fraction: 1)
        #expect(StatusText.ended(outcome) == "complete, 2 bad ranges (1 new, 1 known), 1 file hit, exit status 19")
    }

    @Test("the state file reads back what was written")
    func stateRoundTrip() throws {
        let outcome = ScanState.Outcome(started: 1, ended: 2, seconds: 1, complete: false, paused: true, stopReason: "paused", exitStatus: 0,
                                        engine: .kernel, badRanges: 0, newBadRanges: nil, knownBadRanges: nil, badSectors: 0,
                                        filesAffected: 0, devices: [ScanState.Device(role: .data, path: "/dev/sda1", bytesDone: 5, bytesTotal: 10)],
                                        fraction: 0.5)
        let state = ScanState(fsUUID: "u", mountPoint: "/m\n", phase: .running, pid: 7, pidStart: 99, started: 1.5, updated: 2.5,
                              engine: .uring, scope: .data,
                              devices: [ScanState.Device(role: .data, path: "/dev/sda1", bytesDone: 1, bytesTotal: 3, bytesRead: 2,
                                                         bytesVerified: 1, badSectors: 1, badRanges: 0, newBadRanges: 0, filesAffected: 0)],
                              bytesPerSecond: 100, secondsLeft: 2, outcome: nil, previous: outcome, lastComplete: 0.5)
        let read = try ScanState(fileContents: Array(state.json.serialized().utf8))
        #expect(read == state)
    }

    /// A mount point with a quote, a backslash and a newline: the labels stay valid for promtool.
    @Test(.enabled(if: findExecutable("promtool") != nil, "promtool is not installed (Debian package prometheus)"))
    func metricsLabelsAreEscaped() throws {
        let state = ScanState(fsUUID: "u", mountPoint: "/srv/a \"b\" \\ \n", phase: .running, pid: 7, pidStart: 99, started: 1, updated: 2,
                              engine: .uring, scope: .allocated, devices: [ScanState.Device(role: .data, path: "/dev/sda1", bytesDone: 1, bytesTotal: 3)],
                              bytesPerSecond: 100.5, secondsLeft: 2, outcome: nil, previous: nil, lastComplete: nil)
        let text = MetricsText.render(state)
        #expect(text.contains(#"mountpoint="/srv/a \"b\" \\ \n""#), "\(text)")
        let lint = try runCommand(["promtool", "check", "metrics"], stdin: text, timeout: .seconds(60))
        #expect(lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "\(lint)\n\(text)")
    }
}
