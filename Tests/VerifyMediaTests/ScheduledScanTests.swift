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
            let checkpoint = bed.directory + "/scan.checkpoint"
            let output = bed.directory + "/scan.out"
            let scan = try spawnProcess([RepoPaths.binary, "--rate", "20M", "--checkpoint", checkpoint, bed.mountPoint],
                                        outputPath: output)
            usleep(1_000_000)
            let umount = try runCommand(["umount", bed.mountPoint])
            #expect(umount.status == 0, "umount while scanning: \(umount)")
            #expect(scan.wait(timeout: .seconds(15)) == 4)
            #expect(FileManager.default.fileExists(atPath: checkpoint))
            let text = try String(contentsOfFile: output, encoding: .utf8)
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

    @Test("--resume refuses a corrupt checkpoint, one of another scope, and one of another filesystem")
    func resumeRefusesForeignCheckpoints() throws {
        try TestBed.with { bed in
            try fill(bed)
            let checkpoint = bed.directory + "/scan.checkpoint"
            let scan = try spawnProcess([RepoPaths.binary, "--rate", "20M", "--checkpoint", checkpoint, bed.mountPoint])
            usleep(800_000)
            scan.kill(SIGINT)
            #expect(scan.wait(timeout: .seconds(15)) == 4)

            let otherScope = try bed.run([RepoPaths.binary, "--scope", "data", "--checkpoint", checkpoint, "--resume", bed.mountPoint])
            #expect(otherScope.status == 8)
            #expect(otherScope.stderr.contains("scope"), "\(otherScope)")

            try TestBed.with { other in
                let foreign = try other.run([RepoPaths.binary, "--checkpoint", checkpoint, "--resume", other.mountPoint])
                #expect(foreign.status == 8)
                #expect(foreign.stderr.contains("checkpoint of filesystem"), "\(foreign)")
            }

            try "{\"format\": \"something else\"}".write(toFile: checkpoint, atomically: true, encoding: .utf8)
            let corrupt = try bed.run([RepoPaths.binary, "--checkpoint", checkpoint, "--resume", bed.mountPoint])
            #expect(corrupt.status == 8)
            #expect(corrupt.stderr.contains("not a valid checkpoint"), "\(corrupt)")
        }
    }
}
