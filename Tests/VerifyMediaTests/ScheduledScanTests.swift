import Foundation
import Testing
import TestBed

/// Runs the tool and decodes its JSON report.
private func scanJSON(_ bed: TestBed, _ arguments: [String]) throws -> (status: Int32, report: [String: Any], stderr: String) {
    let result = try bed.run([RepoPaths.binary] + arguments + ["--json", bed.mountPoint])
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    return (result.status, try #require(object, "no JSON: \(result)"), result.stderr)
}

/// A data set big enough that a rate-limited scan can be stopped halfway.
private func fill(_ bed: TestBed) throws {
    for index in 0..<3 { try bed.writeFile("big\(index)", size: 40 << 20, seed: UInt64(index)) }
    for index in 0..<40 { try bed.writeFile("small/f\(index)", size: 16 << 10, seed: UInt64(100 + index)) }
    try bed.sync()
    // Warm the rmap btree so GETFSMAP does not read it during the scans.
    _ = try bed.fsmap()
}

@Suite("Scheduled scans: interrupt and resume, umount, history", .serialized,
       .enabled(if: TestBed.unavailableReason == nil, "needs the test bed: \(TestBed.unavailableReason ?? "")"))
struct ScheduledScanTests {
    @Test("an interrupted scan resumes where it stopped: no in-scope sector read twice, none skipped")
    func interruptAndResume() throws {
        try TestBed.with { bed in
            try fill(bed)
            let checkpoint = bed.directory + "/scan.checkpoint"
            try bed.data.resetCounters()
            let output = bed.directory + "/first.json"
            // exec: the signal goes to the tool itself; stderr apart from the JSON.
            let first = try spawnProcess(["/bin/sh", "-c", "exec \"$0\" --rate 40M --checkpoint \"$1\" --json \"$2\" >\"$3\" 2>/dev/null",
                                          RepoPaths.binary, checkpoint, bed.mountPoint, output])
            usleep(1_200_000)
            first.kill(SIGINT)
            #expect(first.wait(timeout: .seconds(20)) == 4, "an interrupted scan exits 4")
            let partial = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
            #expect(partial?["complete"] as? Bool == false)
            #expect(FileManager.default.fileExists(atPath: checkpoint), "the checkpoint is written when interrupted")
            let firstReads = try bed.data.readMap()

            try bed.data.resetCounters()
            let second = try scanJSON(bed, ["--checkpoint", checkpoint, "--resume"])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.report["complete"] as? Bool == true)
            #expect(!FileManager.default.fileExists(atPath: checkpoint), "a completed scan removes its checkpoint")
            let secondReads = try bed.data.readMap()

            let rows = try bed.fsmap().filter { $0.owner != "free space" }
            var twice = 0, skipped = 0, dataSectors = 0
            for row in rows {
                for sector in Int(row.start)...Int(row.end) {
                    let total = Int(firstReads[sector]) + Int(secondReads[sector])
                    if total == 0 { skipped += 1 }
                    // XFS itself may read its own metadata meanwhile; file data is ours alone.
                    if row.inode != nil {
                        dataSectors += 1
                        if total > 1 { twice += 1 }
                    }
                }
            }
            #expect(skipped == 0, "in-scope sectors never read")
            #expect(twice == 0, "file data sectors read twice")
            #expect(dataSectors > 200_000)
            #expect(firstReads.contains { $0 > 0 } && secondReads.contains { $0 > 0 }, "both runs read something")
        }
    }

    @Test("umount during a scan succeeds; the scan stops cleanly, keeps its checkpoint, exits 4")
    func umountDuringScan() throws {
        try TestBed.with { bed in
            try fill(bed)
            let text = try unmountDuringScan(bed, ["--rate", "20M"])
            #expect(text.contains("unmounted"), "\(text)")
        }
    }

    @Test("history marks bad ranges new, then known; exit bit 16 only for new ones")
    func historyNewAndKnown() throws {
        try TestBed.with { bed in
            try bed.writeFile("a", size: 1 << 20, seed: 1)
            try bed.writeFile("b", size: 1 << 20, seed: 2)
            try bed.sync()
            let state = bed.directory + "/state"
            let a = try #require(bed.fileExtents("a").first), b = try #require(bed.fileExtents("b").first)
            try bed.data.arm(.eio, offset: a.physical + 8192, length: 512)

            let first = try scanJSON(bed, ["--state-dir", state])
            #expect(first.status == 1 | 2 | 16)
            #expect((first.report["bad_ranges"] as? [[String: Any]])?.map { $0["status"] as? String } == ["new"])

            let second = try scanJSON(bed, ["--state-dir", state])
            #expect(second.status == 1 | 2)
            #expect((second.report["bad_ranges"] as? [[String: Any]])?.map { $0["status"] as? String } == ["known"])

            try bed.data.arm(.eio, offset: b.physical + 4096, length: 512)
            let third = try scanJSON(bed, ["--state-dir", state])
            #expect(third.status == 1 | 2 | 16)
            let statuses = (third.report["bad_ranges"] as? [[String: Any]])?.compactMap { $0["status"] as? String }
            #expect(statuses?.sorted() == ["known", "new"])
            #expect((third.report["summary"] as? [String: Any])?["new_bad_ranges"] as? Int == 1)

            let uuid = try #require(first.report["fs_uuid"] as? String)
            let history = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(state)/\(uuid).json"))) as? [String: Any]
            #expect((history?["runs"] as? [Any])?.count == 3)
        }
    }

    @Test("--interval skips a filesystem whose last complete scan is recent")
    func intervalSkipsRecentScans() throws {
        try TestBed.with { bed in
            try bed.writeFile("a", size: 1 << 20)
            try bed.sync()
            let state = bed.directory + "/state"
            #expect(try bed.run([RepoPaths.binary, "-q", "--state-dir", state, bed.mountPoint]).status == 0)
            try bed.data.resetCounters()
            let skipped = try bed.run([RepoPaths.binary, "--interval", "30d", "--state-dir", state, bed.mountPoint])
            #expect(skipped.status == 0)
            #expect(skipped.stderr.contains("nothing to do"), "\(skipped)")
            #expect(try bed.data.totals().reads == 0, "a skipped run reads nothing")
            let due = try bed.run([RepoPaths.binary, "--interval", "0s", "--state-dir", state, bed.mountPoint])
            #expect(due.status == 0)
            #expect(try bed.data.totals().reads > 0)
        }
    }

    @Test("a checkpoint --resume cannot use is set aside with a warning and the scan starts afresh (issue 11.6)")
    func unusableCheckpointsAreSetAside() throws {
        try TestBed.with { bed in
            try fill(bed)
            let checkpoint = bed.directory + "/scan.checkpoint"
            let rejected = checkpoint + ".rejected"
            func interrupt() throws {
                let scan = try spawnProcess([RepoPaths.binary, "--rate", "20M", "--checkpoint", checkpoint, bed.mountPoint])
                usleep(800_000)
                scan.kill(SIGINT)
                #expect(scan.wait(timeout: .seconds(15)) == 4)
                #expect(FileManager.default.fileExists(atPath: checkpoint))
            }
            /// A resumed run: it completes from scratch, warns, and keeps the file aside.
            func resumeSetsAside(_ arguments: [String], on target: TestBed, warning: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws {
                unlink(rejected)
                let run = try target.run([RepoPaths.binary, "--checkpoint", checkpoint, "--resume", "--json"] + arguments + [target.mountPoint])
                #expect(run.status == 0, "\(run)", sourceLocation: sourceLocation)
                #expect(run.stderr.contains(warning) && run.stderr.contains("moved to \(rejected), starting afresh"),
                        "\(run)", sourceLocation: sourceLocation)
                let report = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
                #expect(report?["complete"] as? Bool == true, sourceLocation: sourceLocation)
                #expect(FileManager.default.fileExists(atPath: rejected), sourceLocation: sourceLocation)
                #expect(!FileManager.default.fileExists(atPath: checkpoint), "a complete scan leaves no checkpoint",
                        sourceLocation: sourceLocation)
            }

            try interrupt()
            try resumeSetsAside(["--scope", "data"], on: bed, warning: "checkpoint of a --scope allocated scan")

            try interrupt()
            try TestBed.with { other in
                try resumeSetsAside([], on: other, warning: "checkpoint of filesystem")
            }

            // A grown filesystem: its lanes are not those of the checkpoint.
            try interrupt()
            var text = try String(contentsOfFile: checkpoint, encoding: .utf8)
            let end = try #require(text.range(of: #""end" *: *[0-9]+"#, options: .regularExpression))
            text.replaceSubrange(end, with: "\"end\":4096")
            try text.write(toFile: checkpoint, atomically: true, encoding: .utf8)
            try resumeSetsAside([], on: bed, warning: "grown filesystem")

            // Written by another version, or not a checkpoint at all.
            try interrupt()
            text = try String(contentsOfFile: checkpoint, encoding: .utf8)
            // JSONEncoder may write the slash as "\/".
            try text.replacingOccurrences(of: #"checkpoint(\\?)/1""#, with: "checkpoint$1/0\"", options: .regularExpression)
                .write(toFile: checkpoint, atomically: true, encoding: .utf8)
            #expect(try String(contentsOfFile: checkpoint, encoding: .utf8) != text)
            try resumeSetsAside([], on: bed, warning: "not a valid checkpoint")
            try "{\"format\": \"something else\"}".write(toFile: checkpoint, atomically: true, encoding: .utf8)
            try resumeSetsAside([], on: bed, warning: "not a valid checkpoint")
        }
    }

    @Test("two scans of one filesystem never run at once: the second names the first and exits 4 (issue 11.6)")
    func secondScanIsRefused() throws {
        try TestBed.with { bed in
            try fill(bed)
            let first = try spawnProcess([RepoPaths.binary, "--rate", "20M", bed.mountPoint])
            defer {
                first.kill(SIGINT)
                _ = first.wait(timeout: .seconds(15))
            }
            usleep(700_000)
            let second = try bed.run([RepoPaths.binary, "--json", bed.mountPoint])
            #expect(second.status == 4, "\(second)")
            #expect(second.stdout.isEmpty, "no report from a scan that did not run: \(second.stdout.prefix(200))")
            #expect(second.stderr.contains("another scan of this filesystem is running (pid \(first.pid), since "), "\(second)")
            first.kill(SIGINT)
            #expect(first.wait(timeout: .seconds(15)) == 4)
            // Once the first is gone, the lock is free.
            #expect(try bed.run([RepoPaths.binary, "-q", bed.mountPoint]).status == 0)
        }
    }

    @Test("SIGTERM with a saved checkpoint ends by SIGTERM (clean for systemd); SIGINT, or no checkpoint, exits 4 (issue 11.6)")
    func sigtermAfterCheckpointIsACleanStop() throws {
        try TestBed.with { bed in
            try fill(bed)
            let checkpoint = bed.directory + "/scan.checkpoint"
            let report = bed.directory + "/report.json"
            func stopped(by signal: Int32, _ extra: [String]) throws -> Int32? {
                let scan = try spawnProcess([RepoPaths.binary, "--rate", "20M", "--report", report] + extra + [bed.mountPoint])
                usleep(800_000)
                scan.kill(signal)
                return scan.wait(timeout: .seconds(20))
            }
            #expect(try stopped(by: SIGTERM, ["--checkpoint", checkpoint]) == 128 + SIGTERM)
            #expect(FileManager.default.fileExists(atPath: checkpoint))
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            #expect(json?["complete"] as? Bool == false, "the report is written before the signal")
            #expect(json?["stop_reason"] as? String == "interrupted by SIGTERM")
            unlink(checkpoint)
            #expect(try stopped(by: SIGINT, ["--checkpoint", checkpoint]) == 4)
            #expect(FileManager.default.fileExists(atPath: checkpoint))
            #expect(try stopped(by: SIGTERM, []) == 4, "without a checkpoint nothing was saved: a failure")
        }
    }

    @Test("resume keeps earlier findings once, retries what was given up on, and counts them against the last complete scan (issue 11.5)")
    func resumeReconcilesFindings() throws {
        try TestBed.with { bed in
            // Read first (AG 0, lane 0): a bad sector and a sector whose transport fails.
            try bed.writeFile("early", size: 4 << 20, seed: 7)
            for index in 0..<3 { try bed.writeFile("big\(index)", size: 120 << 20, seed: UInt64(index)) }
            try bed.sync()
            _ = try bed.fsmap()
            let bad = DaddrRange(bytes: try bed.physicalOffset("early", fileOffset: 1 << 20), length: 512)
            let transport = DaddrRange(bytes: try bed.physicalOffset("early", fileOffset: 3 << 20), length: 512)
            try bed.data.arm(.eio, offset: bad.start * 512, length: 512)
            try bed.data.arm(.errno("ETIMEDOUT"), offset: transport.start * 512, length: 512)
            let checkpoint = bed.directory + "/scan.checkpoint"
            let state = bed.directory + "/state"
            let output = bed.directory + "/first.json"
            let first = try spawnProcess(["/bin/sh", "-c", "exec \"$0\" --rate 20M --checkpoint \"$1\" --state-dir \"$2\" --json \"$3\" >\"$4\" 2>/dev/null",
                                          RepoPaths.binary, checkpoint, state, bed.mountPoint, output])
            // Once a checkpoint (saved every 5 s) holds the range given up on,
            // well before the 360 MiB are read at 20 MiB/s.
            var saved = false
            for _ in 0..<200 where !saved {
                usleep(100_000)
                saved = (try? String(contentsOfFile: checkpoint, encoding: .utf8))?.contains("\"transport\"") == true
            }
            #expect(saved, "no checkpoint with the transport error")
            first.kill(SIGINT)
            let status = first.wait(timeout: .seconds(20))
            #expect(status == Int32(1 | 2 | 4 | 16))
            let partial = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
            #expect(partial["complete"] as? Bool == false)
            let unverifiedFirst = (partial["unverified_ranges"] as? [[String: Any]]) ?? []
            #expect(unverifiedFirst.contains {
                guard let start = $0["start_daddr"] as? Int, let end = $0["end_daddr"] as? Int else { return false }
                return $0["reason"] as? String == "transport" && start <= Int(transport.start) && Int(transport.start) < end
            }, "the first run gave up on the transport error: \(unverifiedFirst)")

            // The path to the disk is fine again; the bad sector is still bad.
            try bed.data.clearFaults()
            try bed.data.arm(.eio, offset: bad.start * 512, length: 512)
            try bed.data.resetCounters()
            let second = try scanJSON(bed, ["--checkpoint", checkpoint, "--resume", "--state-dir", state])
            #expect(second.report["complete"] as? Bool == true, "\(second.stderr)")
            let badRanges = (second.report["bad_ranges"] as? [[String: Any]]) ?? []
            #expect(badRanges.map { $0["start_daddr"] as? Int } == [Int(bad.start)], "found once: \(badRanges)")
            let summary = second.report["summary"] as? [String: Any]
            #expect(summary?["bad_sectors"] as? Int == 1)
            #expect((second.report["unverified_ranges"] as? [Any])?.isEmpty == true, "the retried range was verified")
            let reads = try bed.data.readMap()
            #expect(reads[Int(transport.start)] > 0, "the range given up on was read again")
            #expect(reads[Int(bad.start)] == 0, "the bad sector, before the resume point, was read again")
            // No complete scan saw it before: new (16), from the interrupted part of this scan.
            #expect(badRanges.first?["status"] as? String == "new")
            #expect(second.status == 1 | 2 | 16, "\(second.stderr)")
        }
    }
}
