// --recheck and the history subcommand (issue 12.3, 12.4), on a real test
// bed: bad sectors recorded by a scan, one of them readable again (the
// fault disk stops failing it, as a drive that remapped the sector does).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite("Recheck known bad ranges; the history, new, known and healed", .serialized,
       .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct RecheckTests {
    @Test("--recheck reads only the recorded bad ranges, tells healed from still bad, and the history keeps both")
    func recheckFromTheHistory() throws {
        try TestBed.with { bed in
            try bed.writeFile("photos/beach.raw", size: 4 << 20, seed: 1)
            try bed.writeFile("docs/notes.txt", size: 64 << 10, seed: 2)
            try bed.writeFile("filler", size: 32 << 20, seed: 3)
            try bed.sync()
            let photo = try bed.physicalOffset("photos/beach.raw", fileOffset: 1 << 20)
            let notes = try bed.physicalOffset("docs/notes.txt", fileOffset: 16384)
            try bed.data.arm(.eio, offset: photo, length: 512)
            try bed.data.arm(.eio, offset: notes, length: 1024)
            let state = bed.directory + "/state"
            let first = try runTool(["-q", "--state-dir", state, bed.mountPoint])
            #expect(first.status == 1 | 2 | 16, "\(first)")

            // The drive remapped the photo's sector; the notes' two still fail.
            try bed.data.clearFaults()
            try bed.data.arm(.eio, offset: notes, length: 1024)
            try bed.data.resetCounters()
            let recheck = try runTool(["--recheck", "--state-dir", state, bed.mountPoint])
            #expect(recheck.status == 1 | 2, "still bad in file data, nothing new: \(recheck)")
            let lines = recheck.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("\(bed.path("docs/notes.txt")): media error at data offset 16384 length 1024 (EIO)"), "\(recheck)")
            #expect(lines.contains("\(bed.path("photos/beach.raw")) (data offset 1048576): reads good now, healed (data device daddr \(photo >> 9)-\(photo >> 9))"),
                    "\(recheck)")
            #expect(lines.last == "\(bed.mountPoint): rechecked 2 bad ranges (3 sectors) from the history: 1 healed, 1 still bad", "\(recheck)")
            let read = try bed.data.totals()
            #expect(read.bytes <= 64 << 10, "only the known bad ranges are read: \(read)")

            let json = try runTool(["--recheck", "--json", "--state-dir", state, bed.mountPoint])
            let object = try json.jsonObject()
            if Harness.jsonschemaPython != nil {
                #expect(try ReportTests().schemaErrors([json.stdout]).isEmpty, "the recheck's report follows the schema")
            }
            let again = object["recheck"] as? [String: Any]
            #expect((again?["rechecked_ranges"] as? [Any])?.count == 1, "the healed range is no longer known bad: \(json)")
            #expect((again?["healed_ranges"] as? [Any])?.isEmpty == true)
            #expect((object["bad_ranges"] as? [[String: Any]])?.first?["status"] as? String == "known")

            let history = try runTool(["history", "--state-dir", state, bed.mountPoint])
            #expect(history.status == 0, "\(history)")
            let text = history.stdout
            #expect(text.contains("\(bed.mountPoint) (uuid ") && text.contains("3 runs recorded"), "\(history)")
            #expect(text.contains("scan, complete, ") && text.contains(": 2 bad ranges (2 new, 0 known), exit status 19"), "\(history)")
            #expect(text.contains("recheck, complete, ") && text.contains(": 1 healed, 1 still bad, exit status 3"), "\(history)")
            #expect(text.contains("    data daddr \(photo >> 9)-\(photo >> 9) EIO new: \(bed.path("photos/beach.raw")) (data offset 1048576)"), "\(history)")
            #expect(text.contains("    data daddr \(photo >> 9)-\(photo >> 9) EIO healed: \(bed.path("photos/beach.raw")) (data offset 1048576)"), "\(history)")
            #expect(text.contains("    data daddr \(notes >> 9)-\((notes >> 9) + 1) EIO still bad: \(bed.path("docs/notes.txt")) (data offset 16384)"),
                    "\(history)")

            let listed = try runTool(["history", "--json", "--last", "1", "--state-dir", state])
            let histories = try #require(try listed.jsonObject()["histories"] as? [[String: Any]], "\(listed)")
            let mine = try #require(histories.first { (($0["runs"] as? [[String: Any]])?.first?["mountpoint"] as? String) == bed.mountPoint })
            let uuid = try #require(mine["fs_uuid"] as? String)
            #expect((mine["runs"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["recheck"])
            #expect(try runTool(["history", "--state-dir", state, uuid]).stdout == text, "by UUID as by mount point")

            // The healed sector fails again: news, not a known range.
            try bed.data.arm(.eio, offset: photo, length: 512)
            let scan = try runTool(["--json", "--state-dir", state, bed.mountPoint])
            let statuses = try scan.report().badRanges.map { ($0.startDaddr, $0.status) }
            #expect(statuses.contains { $0.0 == photo >> 9 && $0.1 == "new" } && statuses.contains { $0.0 == notes >> 9 && $0.1 == "known" },
                    "\(statuses)")
            #expect(scan.status == 1 | 2 | 16)
        }
    }

    @Test("--recheck-from a report of this filesystem; another filesystem's report is refused")
    func recheckFromAReport() throws {
        try TestBed.with { bed in
            try bed.writeFile("a", size: 1 << 20)
            try bed.sync()
            let bad = try bed.physicalOffset("a", fileOffset: 8192)
            try bed.data.arm(.eio, offset: bad, length: 512)
            let report = bed.directory + "/report.json"
            #expect(try runTool(["-q", "--report", report, bed.mountPoint]).status == 1 | 2)
            try bed.data.clearFaults()
            let recheck = try runTool(["--recheck-from", report, bed.mountPoint])
            #expect(recheck.status == 0, "\(recheck)")
            #expect(recheck.stdout.contains("\(bed.path("a")) (data offset 8192): reads good now, healed"), "\(recheck)")
            #expect(recheck.stdout.contains("rechecked 1 bad range (1 sector) from \(report): 1 healed, 0 still bad"), "\(recheck)")
            try TestBed.with { other in
                let refused = try runTool(["--recheck-from", report, other.mountPoint])
                #expect(refused.status == 8 && refused.stderr.contains("a report of filesystem "), "\(refused)")
            }
            let clash = try runTool(["--recheck", "--checkpoint", "/tmp/x", bed.mountPoint])
            #expect(clash.status == 8 && clash.stderr.contains("--checkpoint does not go with it"), "\(clash)")
        }
    }
}
