// The report: JSON that validates against schema/xfs-verify-media-1.schema.json,
// --report FILE, nothing but JSON on stdout with --json, text naming the
// same files, fsck-style -C progress, -q, and the exit status bits.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite(.serialized, .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct ReportTests {
    /// Validates `documents` (JSON texts) against the schema with Python's
    /// jsonschema; returns one error line per problem, empty when all are valid.
    func schemaErrors(_ documents: [String]) throws -> [String] {
        guard let python = Harness.jsonschemaPython else {
            throw TestBedError("no python3 with jsonschema (Debian: python3-jsonschema, scripts/install-deps)")
        }
        let directory = NSTemporaryDirectory() + "xvm-schema-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var paths: [String] = []
        for (index, document) in documents.enumerated() {
            let path = "\(directory)/\(index).json"
            try Data(document.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let script = """
            import json, sys, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            validator = jsonschema.Draft202012Validator(schema)
            for path in sys.argv[2:]:
                for error in validator.iter_errors(json.load(open(path))):
                    print(f"{path}: {error.json_path}: {error.message}")
            """
        let result = try runCommand([python, "-c", script, Harness.schemaPath] + paths, timeout: .seconds(120))
        guard result.status == 0 else { throw TestBedError("schema validation did not run: \(result)") }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// Arms faults with owners of every type the default scan can see: file
    /// data, metadata (inodes, log); and free space for --scope device.
    /// Returns the armed ranges.
    @discardableResult
    func armEveryOwnerType(_ bed: TestBed) throws -> [DaddrRange] {
        try bed.writeFile("dir/file", size: 2 << 20)
        try bed.writeFile("small", size: 4096, seed: 2)
        try bed.writeFile("h1", size: 64 << 10, seed: 3)
        try bed.hardlink("h1", "h2")
        try bed.sync()
        let map = try bed.fsmap()
        let inodes = try #require(map.last { $0.owner == "inodes" })
        let log = try fsmapRow(map, "journalling log", atLeast: 1 << 20)
        let free = try fsmapRow(map, "free space", atLeast: 8 << 20)
        let ranges = [
            DaddrRange(bytes: try bed.physicalOffset("dir/file", fileOffset: 1 << 20), length: 1024),
            DaddrRange(bytes: try bed.physicalOffset("small", fileOffset: 0), length: 512),
            DaddrRange(bytes: try bed.physicalOffset("h1", fileOffset: 8192), length: 512),
            DaddrRange(inodes.start + 1, inodes.start + 2),
            DaddrRange(log.start + 64, log.start + 65),
            DaddrRange(free.start + 2048, free.start + 2049),
        ]
        for range in ranges { try bed.data.arm(.eio, offset: range.start * 512, length: range.bytes) }
        return ranges
    }

    // MARK: Schema

    @Test func jsonValidatesAgainstTheSchema() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 1 << 20)
            try bed.sync()
            let clean = try runTool(["--json", bed.mountPoint])
            #expect(clean.status == 0, "\(clean)")
            let cleanBench = try runTool(["--json", "--bench", bed.mountPoint])

            // Flaky and transport-failing sectors too, in a file of their own.
            try bed.writeFile("g", size: 4 << 20, seed: 7)
            let ranges = try armEveryOwnerType(bed)
            let allocated = try runTool(["--json", "--engine", "sync", bed.mountPoint])
            #expect(allocated.status == ExitBit.media | ExitBit.fileData, "\(allocated)")
            // With history: bad_ranges[].status and summary.new_bad_ranges.
            let history = try runTool(["--json", "--state-dir", bed.directory + "/state", bed.mountPoint])
            let historyObject = try history.jsonObject()
            #expect((historyObject["summary"] as? [String: Any])?["new_bad_ranges"] as? Int == 5, "\(history)")
            #expect((historyObject["bad_ranges"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "new" } == true)
            try bed.data.arm(.flaky(failures: 1), offset: try bed.physicalOffset("g", fileOffset: 1 << 20), length: 512)
            try bed.data.arm(.errno("ETIMEDOUT"), offset: try bed.physicalOffset("g", fileOffset: 3 << 20), length: 512)
            let faulty = try runTool(["--json", "--scope", "device", "--bench", bed.mountPoint])
            let report = try faulty.report()
            #expect(Set(report.badRanges.flatMap(\.owners).map(\.type)) == ["file", "metadata", "free"], "\(faulty)")
            #expect(report.dataBadRanges == ranges.sorted(), "\(faulty)")
            #expect(!report.unverifiedRanges.isEmpty && !(report.flakyRanges ?? []).isEmpty, "\(faulty)")
            #expect(report.badRanges.flatMap(\.owners).contains { $0.paths?.count == 2 }, "hard link")

            let errors = try schemaErrors([clean.stdout, cleanBench.stdout, faulty.stdout, allocated.stdout, history.stdout])
            #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")

            // The schema does reject what breaks the contract.
            let object = try faulty.jsonObject()
            var broken: [String] = []
            func mutated(_ change: (inout [String: Any]) -> Void) throws -> String {
                var copy = object
                change(&copy)
                return String(decoding: try JSONSerialization.data(withJSONObject: copy), as: UTF8.self)
            }
            broken.append(try mutated { $0.removeValue(forKey: "bad_ranges") })
            broken.append(try mutated { $0["schema"] = "xfs-verify-media/2" })
            broken.append(try mutated { doc in
                var ranges = doc["bad_ranges"] as! [[String: Any]]
                ranges[0]["start_daddr"] = "12"
                doc["bad_ranges"] = ranges
            })
            broken.append(try mutated { doc in
                var ranges = doc["bad_ranges"] as! [[String: Any]]
                ranges[0]["owners"] = [["type": "file", "inode": 5, "generation": 1, "path": NSNull(), "fork": "stack", "length": 512]]
                doc["bad_ranges"] = ranges
            })
            broken.append(try mutated { doc in
                var summary = doc["summary"] as! [String: Any]
                summary["exit_status"] = 32
                doc["summary"] = summary
            })
            let rejected = try schemaErrors(broken)
            for index in broken.indices {
                #expect(rejected.contains { $0.contains("/\(index).json:") }, "mutation \(index) was accepted")
            }
        }
    }

    @Test func schemaAcceptsTheDesignExample() throws {
        // The design's example report (the contract ARCHITECTURE.md summarizes), with a real UUID for its "…".
        let example = """
            {"schema": "xfs-verify-media/1", "mountpoint": "/mnt", "fs_uuid": "1ef35f38-7321-4324-a0ec-cc043a9ff381",
             "engine": "uring", "scope": "allocated", "started": "2026-11-24T03:10:00Z", "complete": true,
             "devices": [{"role": "data", "path": "/dev/sdb1", "dev": "8:17", "logical_sector_size": 512,
                          "bytes_planned": 0, "bytes_verified": 0, "bytes_read": 0, "seconds": 0.0, "bad_sectors": 0}],
             "bad_ranges": [{"device": "data", "start_daddr": 1000, "end_daddr": 1008, "errno": 5, "error": "EIO",
                             "owners": [{"type": "file", "inode": 131, "generation": 7, "path": "/mnt/a/b", "fork": "data",
                                         "file_offset": 413696, "length": 4096},
                                        {"type": "metadata", "what": "inodes", "ag": 0},
                                        {"type": "free"}]}],
             "unverified_ranges": [],
             "summary": {"bytes_verified": 0, "bytes_read": 0, "seconds": 0.0, "bytes_per_second": 0,
                         "bad_ranges": 0, "bad_sectors": 0, "files_affected": 0, "metadata_affected": 0, "exit_status": 0}}
            """
        let errors = try schemaErrors([example])
        #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")
    }

    // MARK: Where the JSON goes

    @Test func reportFileIsTheSameDocument() throws {
        try TestBed.with { bed in
            try armEveryOwnerType(bed)
            let directory = bed.directory + "/reports"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/report.json"

            // --json and --report in one run: the very same bytes.
            let run = try runTool(["--json", "--report", file, bed.mountPoint])
            #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")
            let written = String(decoding: try readWholeFile(file), as: UTF8.self)
            #expect(written == run.stdout, "stdout ends \(Array(run.stdout.utf8.suffix(4))), the file \(Array(written.utf8.suffix(4)))")
            #expect(try ScanReport.decode(written, context: file).badRanges.count == 5)

            // --report alone, with the text report on stdout: the same findings.
            let second = directory + "/second.json"
            let text = try runTool(["--report", second, bed.mountPoint])
            #expect(text.status == run.status, "\(text)")
            let json = try run.report(), other = try ScanReport.decode(String(decoding: try readWholeFile(second), as: UTF8.self),
                                                                          context: second)
            #expect(other.dataBadRanges == json.dataBadRanges)
            #expect(other.badRanges.map { Set($0.owners.map(\.key)) } == json.badRanges.map { Set($0.owners.map(\.key)) })
            #expect(other.summary.exitStatus == json.summary.exitStatus)
            // Replaced atomically: no temporary files left next to the reports.
            let _ = try runTool(["--report", second, "-q", bed.mountPoint])
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["report.json", "second.json"])
            // They name damaged files: 0640, whatever the umask.
            for mask in ["0", "077"] {
                let run = try runCommand(["sh", "-c", "umask \(mask); exec \"$0\" \"$@\"", RepoPaths.binary,
                                          "--report", second, "-q", bed.mountPoint], timeout: .seconds(300))
                #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")
                var st = stat()
                #expect(stat(second, &st) == 0 && st.st_mode & 0o7777 == 0o640, "umask \(mask): mode \(String(st.st_mode & 0o7777, radix: 8))")
            }
        }
    }

    @Test func jsonStdoutHoldsOnlyTheJSON() throws {
        try TestBed.with { bed in
            try armEveryOwnerType(bed)
            for extra in [[], ["-v"], ["--bench"], ["-C", "2"]] {
                let run = try runTool(["--json"] + extra + [bed.mountPoint])
                // The whole of stdout is one JSON document.
                let parsed = try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
                #expect(parsed is [String: Any], "\(extra): \(run)")
                #expect(run.stdout.hasPrefix("{") && run.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("}"),
                        "\(extra): \(run)")
                #expect(run.status == ExitBit.media | ExitBit.fileData)
            }
        }
    }

    // MARK: Text

    @Test func textNamesTheSameFilesAsTheJSON() throws {
        try TestBed.with { bed in
            try armEveryOwnerType(bed)
            let json = try runTool(["--json", bed.mountPoint])
            let report = try json.report()
            let text = try runTool([bed.mountPoint])
            #expect(text.status == json.status, "\(text)")
            let lines = text.stdout.split(separator: "\n").map(String.init)

            var expectedFileLines = 0
            for bad in report.badRanges {
                for owner in bad.owners where owner.type == "file" {
                    let offset = try #require(owner.fileOffset), length = try #require(owner.length)
                    for name in owner.names {
                        expectedFileLines += 1
                        let matching = lines.filter {
                            $0.hasPrefix(name + ":") && $0.contains("media error at data offset \(offset) length \(length)")
                        }
                        #expect(matching.count == 1, "no line for \(name) at \(offset)+\(length):\n\(text.stdout)")
                    }
                }
            }
            #expect(expectedFileLines == 4, "dir/file, small, h1 and h2")
            let fileLines = lines.filter { $0.contains("media error at data offset") }
            #expect(fileLines.count == expectedFileLines, "\(text.stdout)")
            // Metadata: one line per bad range and owner, naming no file.
            let metadataOwners = report.badRanges.flatMap(\.owners).filter { $0.type == "metadata" }.count
            let metadataLines = lines.filter { $0.hasPrefix(bed.mountPoint + ": data device daddr") && $0.contains("media error") }
            #expect(metadataLines.count == metadataOwners, "\(text.stdout)")
            #expect(metadataOwners == 2)
            // Text never names a file the JSON does not.
            let named = Set(report.badRanges.flatMap(\.owners).flatMap(\.names))
            for line in fileLines {
                #expect(named.contains { line.hasPrefix($0 + ":") }, "\(line)")
            }
        }
    }

    @Test func fsckProgressLines() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 8 << 20)
            try bed.sync()
            let progress = bed.directory + "/progress"
            let run = try bed.run(["bash", "-c", "exec \"$0\" -C 3 \"$1\" 3>\"$2\"", RepoPaths.binary, bed.mountPoint, progress])
            #expect(run.status == 0, "\(run)")
            let lines = String(decoding: try readWholeFile(progress), as: UTF8.self).split(separator: "\n")
            #expect(!lines.isEmpty)
            var previous: UInt64 = 0
            var last: (done: UInt64, total: UInt64)?
            for line in lines {
                let f = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard f.count == 4, f[0] == "1", let done = UInt64(f[1]), let total = UInt64(f[2]), f[3] == bed.mountPoint else {
                    Issue.record("not an fsck progress line: \(line)")
                    continue
                }
                #expect(done >= previous && done <= total, "\(line)")
                previous = done
                last = (done, total)
            }
            #expect(last.map { $0.done == $0.total && $0.total > 0 } == true, "last line: \(lines.last ?? "")")
            // With a pipe, too.
            let piped = try bed.run(["bash", "-c", "set -o pipefail; \"$0\" -q -C 3 \"$1\" 3>&1 >/dev/null | tail -n 1",
                                     RepoPaths.binary, bed.mountPoint])
            let f = piped.stdout.trimmingCharacters(in: .newlines).split(separator: " ")
            #expect(piped.status == 0 && f.count == 4 && f[1] == f[2], "\(piped)")
        }
    }

    @Test func quietPrintsNothingWhenClean() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 1 << 20)
            try bed.sync()
            let quiet = try runTool(["-q", bed.mountPoint])
            #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet)")
            let quietLong = try runTool(["--quiet", bed.mountPoint])
            #expect(quietLong.status == 0 && quietLong.stdout.isEmpty && quietLong.stderr.isEmpty, "\(quietLong)")
            // Problems still show.
            try bed.data.arm(.eio, offset: try bed.physicalOffset("f", fileOffset: 4096), length: 512)
            let damaged = try runTool(["-q", bed.mountPoint])
            #expect(damaged.status == ExitBit.media | ExitBit.fileData)
            #expect(damaged.stdout.contains(bed.path("f") + ": media error at data offset 4096 length 512"), "\(damaged)")
        }
    }

    // MARK: Exit status

    @Test func exitStatusBits() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 1 << 20)
            try bed.sync()
            let inodes = try #require(try bed.fsmap().last { $0.owner == "inodes" })

            let clean = try runTool(["--json", bed.mountPoint])
            #expect(clean.status == 0, "\(clean)")
            #expect(try clean.report().summary.exitStatus == 0)

            try bed.data.arm(.eio, offset: (inodes.start + 4) * 512, length: 512)
            let metadata = try runTool(["--json", bed.mountPoint])
            #expect(metadata.status == ExitBit.media, "metadata only: \(metadata)")
            #expect(try metadata.report().summary.exitStatus == metadata.status)

            try bed.data.arm(.eio, offset: try bed.physicalOffset("f", fileOffset: 0), length: 512)
            let file = try runTool(["--json", bed.mountPoint])
            #expect(file.status == ExitBit.media | ExitBit.fileData, "file data: \(file)")
            #expect(try file.report().summary.exitStatus == file.status)
            #expect(try runTool([bed.mountPoint]).status == file.status, "text mode")

            if !KernelFeatures.hasVerifyMedia {
                let engine = try runTool(["--engine", "kernel", bed.mountPoint])
                #expect(engine.status == ExitBit.operational, "engine failure: \(engine)")
            }

            let usage = try runTool(["--no-such-option", bed.mountPoint])
            #expect(usage.status == ExitBit.usage, "bad option: \(usage)")
        }
    }
}
