// The command line: bad input gets a one-line message on stderr naming the
// problem and the contract's exit status; -V, --help.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite(.serialized, .enabled(if: Harness.binaryUnavailableReason == nil,
                             Comment(rawValue: Harness.binaryUnavailableReason ?? "")))
struct CLITests {
    /// The run failed with `status`, printed nothing on stdout, and its
    /// first stderr line is a message from the tool containing every one of `words`.
    func expectRejected(_ run: ToolRun, status: Int32, mentioning words: [String],
                        sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == status, "\(run)", sourceLocation: sourceLocation)
        #expect(run.stdout.isEmpty, "stdout: \(run.stdout)", sourceLocation: sourceLocation)
        let first = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("xfs_verify_media: "), "first stderr line: \(first)", sourceLocation: sourceLocation)
        for word in words {
            #expect(first.contains(word), "\"\(word)\" not in the message: \(first)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Without a test bed

    @Test func missingPath() throws {
        let run = try runTool([])
        expectRejected(run, status: ExitBit.usage, mentioning: ["PATH"])
        // The message and the usage line, not the whole help.
        let lines = run.stderr.split(separator: "\n")
        #expect(lines.count <= 4, "\(run.stderr)")
        #expect(lines.contains { $0.hasPrefix("Usage: xfs_verify_media ") }, "\(run.stderr)")
    }

    @Test func characterDeviceIsNotABlockDevice() throws {
        expectRejected(try runTool(["/dev/null"]), status: ExitBit.usage, mentioning: ["/dev/null", "not a block device"])
    }

    @Test(arguments: ["/proc", "/tmp", "/dev/null"])
    func pathNotOnXFS(path: String) throws {
        let type = try runCommand(["stat", "-f", "-c", "%T", path]).check().stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard type != "xfs" else { return }  // Nothing to test where it is XFS.
        expectRejected(try runTool([path]), status: ExitBit.usage, mentioning: [path])
    }

    @Test func nonexistentPath() throws {
        let path = "/nonexistent-\(UUID().uuidString.prefix(8))"
        expectRejected(try runTool([path]), status: ExitBit.usage, mentioning: [path])
    }

    @Test func versionFlag() throws {
        for flag in ["-V", "--version"] {
            let run = try runTool([flag])
            #expect(run.status == 0, "\(run)")
            let line = run.stdout.trimmingCharacters(in: .newlines)
            #expect(line.range(of: #"^(xfs_verify_media )?[0-9]+\.[0-9]+(\.[0-9]+)?"#, options: .regularExpression) != nil, "\(flag): \(run)")
            #expect(!line.contains("\n"), "\(flag): one line: \(run)")
        }
    }

    @Test func helpListsEveryOption() throws {
        for flag in ["--help", "-h"] {
            let run = try runTool([flag])
            #expect(run.status == 0, "\(run)")
            let help = run.stdout
            for option in ["--scope", "--device", "--engine", "--rate", "-b", "--background", "--queue-depth",
                           "--io-size", "--json", "--report", "-C", "--checkpoint", "--resume", "--bench",
                           "-v", "-q", "-V", "-h"] {
                // As an option, not inside a word: "-b," "-C <FD>", "--json " ...
                let pattern = "(^|[\\s,\\[])" + NSRegularExpression.escapedPattern(for: option) + "($|[\\s,=<\\]])"
                #expect(help.range(of: pattern, options: .regularExpression) != nil, "\(flag) does not list \(option)")
            }
            for value in ["allocated", "data", "device", "auto", "kernel", "uring", "aio", "sync"] {
                #expect(help.contains(value), "\(flag) does not mention \(value)")
            }
        }
    }

    // MARK: Options rejected on a real filesystem

    @Test(.enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
    func badOptionsOnAMountedXFS() throws {
        try TestBed.with { bed in
            let mnt = bed.mountPoint
            expectRejected(try runTool(["--scope", "bogus", mnt]), status: ExitBit.usage, mentioning: ["bogus"])
            expectRejected(try runTool(["--io-size", "1000", mnt]), status: ExitBit.usage, mentioning: ["--io-size"])
            expectRejected(try runTool(["--io-size", "lots", mnt]), status: ExitBit.usage, mentioning: ["--io-size"])
            expectRejected(try runTool(["--queue-depth", "0", mnt]), status: ExitBit.usage, mentioning: ["--queue-depth"])
            expectRejected(try runTool(["--rate", "fast", mnt]), status: ExitBit.usage, mentioning: ["--rate", "not a size"])
            expectRejected(try runTool(["--rate", "-1", mnt]), status: ExitBit.usage, mentioning: ["--rate", "must be positive"])
            expectRejected(try runTool(["--rate", "0", mnt]), status: ExitBit.usage, mentioning: ["--rate", "must be positive"])
            expectRejected(try runTool(["--io-size", "1MB", mnt]), status: ExitBit.usage, mentioning: ["--io-size", "multiple of 512"])
            expectRejected(try runTool(["--engine", "warp", mnt]), status: ExitBit.usage, mentioning: ["warp"])
            expectRejected(try runTool(["--device", "tape", mnt]), status: ExitBit.usage, mentioning: ["--device", "data, log, rt"])
            expectRejected(try runTool(["--device", "rt", mnt]), status: ExitBit.usage, mentioning: ["rt"])
            expectRejected(try runTool(["--device", "log", mnt]), status: ExitBit.usage, mentioning: ["log"])
            expectRejected(try runTool(["--resume", mnt]), status: ExitBit.usage, mentioning: ["--checkpoint"])
            expectRejected(try runTool(["--no-such-option", mnt]), status: ExitBit.usage, mentioning: ["--no-such-option"])
            expectRejected(try runTool([mnt, mnt]), status: ExitBit.usage, mentioning: [])
            expectRejected(try runTool(["-C", "99", mnt]), status: ExitBit.usage, mentioning: ["-C"])
            // A path inside the mount is fine.
            try bed.writeFile("d/e/f", size: 4096)
            let inside = try runTool(["-q", bed.path("d/e/f")])
            #expect(inside.status == 0, "\(inside)")
            let data = try runTool(["--device", "data", "-q", bed.path("d")])
            #expect(data.status == 0, "\(data)")
        }
    }

    @Test(.enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")),
          .kernelLacksVerifyMedia)
    func kernelEngineOnThisKernel() throws {
        try TestBed.with { bed in
            let run = try runTool(["--engine", "kernel", bed.mountPoint])
            expectRejected(run, status: ExitBit.operational, mentioning: ["Linux 7.0"])
            let json = try runTool(["--engine", "kernel", "--json", bed.mountPoint])
            #expect(json.status == ExitBit.operational, "\(json)")
        }
    }

    @Test(.enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
    func blockDeviceNotAMountedXFS() throws {
        try TestBed.with { bed in
            // The mounted data device is fine...
            let mounted = try runTool(["-q", bed.data.device])
            #expect(mounted.status == 0, "\(mounted)")
            // ...and once unmounted, it is an error.
            try bed.unmount()
            expectRejected(try runTool([bed.data.device]), status: ExitBit.usage, mentioning: [bed.data.device])
        }
    }

    /// Run as nobody from wherever the checkout is (issue 11.18): a clear
    /// message that root is needed, exit 4, before the path is even looked
    /// at (issue 11.2).
    @Test(.enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
    func notRoot() throws {
        guard findExecutable("setpriv") != nil else {
            Issue.record("setpriv (util-linux) is missing")
            return
        }
        // Nobody may not reach the checkout: the binary is copied out of it.
        let staged = try StagedCopies([RepoPaths.binary])
        let binary = staged.path(RepoPaths.binary)
        try TestBed.with { bed in
            let nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            // The binary must be reachable for nobody, or there is nothing to test.
            let reachable = try runCommand(nobody + [binary, "-V"])
            try #require(reachable.status == 0, "nobody cannot run \(binary): \(reachable)")
            let run = ToolRun(result: try runCommand(nobody + [binary, bed.mountPoint], timeout: .seconds(120)))
            expectRejected(run, status: ExitBit.operational, mentioning: ["root", "CAP_SYS_ADMIN"])
            let json = ToolRun(result: try runCommand(nobody + [binary, "--json", bed.mountPoint], timeout: .seconds(120)))
            #expect(json.status == ExitBit.operational, "\(json)")
            // A path nobody cannot even look at: still the same message, not "Permission denied".
            let hidden = bed.directory + "/private"
            try FileManager.default.createDirectory(atPath: hidden, withIntermediateDirectories: true)
            chmod(hidden, 0o700)
            let unreachable = ToolRun(result: try runCommand(nobody + [binary, hidden + "/inside"], timeout: .seconds(120)))
            expectRejected(unreachable, status: ExitBit.operational, mentioning: ["root"])
            // Usage errors still come first: a bad option is 8 for anyone.
            expectRejected(ToolRun(result: try runCommand(nobody + [binary, "--rate", "-1", hidden])),
                           status: ExitBit.usage, mentioning: ["--rate", "must be positive"])
        }
    }
}
