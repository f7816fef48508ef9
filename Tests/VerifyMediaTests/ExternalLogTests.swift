import Foundation
import Testing
import TestBed

@Suite("External log device: scanned, owners named, --device selects it", .serialized,
       .enabled(if: TestBed.unavailableReason == nil, "needs the test bed: \(TestBed.unavailableReason ?? "")"))
struct ExternalLogTests {
    private func badRanges(_ bed: TestBed, _ arguments: [String]) throws -> (Int32, [[String: Any]]) {
        let result = try bed.run([RepoPaths.binary, "--json"] + arguments + [bed.mountPoint])
        let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
        return (result.status, report["bad_ranges"] as? [[String: Any]] ?? [])
    }

    @Test("a bad sector in the middle of an external log is found and named the journal")
    func badSectorInExternalLog() throws {
        try TestBed.with(TestBedOptions(externalLogSize: 64 << 20)) { bed in
            let log = try #require(bed.log)
            try bed.writeFile("a", size: 1 << 20)
            try bed.sync()
            try log.arm(.eio, offset: 10_000 * 512, length: 512)
            try bed.data.arm(.eio, offset: (try #require(bed.fileExtents("a").first)).physical, length: 512)

            let (status, bad) = try badRanges(bed, [])
            #expect(status == 3)
            let onLog = bad.filter { $0["device"] as? String == "log" }
            #expect(onLog.count == 1)
            #expect(onLog.first?["start_daddr"] as? Int == 10_000 && onLog.first?["end_daddr"] as? Int == 10_001)
            let owner = (onLog.first?["owners"] as? [[String: Any]])?.first
            #expect(owner?["type"] as? String == "metadata" && owner?["what"] as? String == "log")

            #expect(try badRanges(bed, ["--device", "log"]).1.allSatisfy { $0["device"] as? String == "log" })
            #expect(try badRanges(bed, ["--device", "data"]).1.allSatisfy { $0["device"] as? String == "data" })
            // The log holds no file data: --scope data leaves it alone.
            #expect(try badRanges(bed, ["--scope", "data"]).1.allSatisfy { $0["device"] as? String == "data" })
        }
    }
}
