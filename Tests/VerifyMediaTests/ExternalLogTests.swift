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

    @Test("an external log over 1 GiB is read whole, its second lane included (issue 9.7)")
    func largeExternalLogIsReadWhole() throws {
        let logSize: UInt64 = 1100 << 20
        try TestBed.with(TestBedOptions(externalLogSize: logSize)) { bed in
            let log = try #require(bed.log)
            let info = try bed.run(["xfs_info", bed.mountPoint]).check().stdout
            let bsize = UInt64(try #require(info.firstMatch(of: /bsize=(\d+)/)?.1).description) ?? 4096
            let blocks = UInt64(try #require(info.firstMatch(of: /log\s+=\S+\s+bsize=\d+\s+blocks=(\d+)/)?.1).description) ?? 0
            let logBytes = bsize * blocks
            #expect(logBytes > 1 << 30, "mkfs.xfs made a smaller log: \(info)")
            // Past the first GiB: in the log's second lane.
            let fault: UInt64 = (1 << 30) + (8 << 20)
            try log.arm(.eio, offset: fault, length: 512)

            let result = try bed.run([RepoPaths.binary, "--json", "--device", "log", bed.mountPoint], timeout: .seconds(600))
            let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result)")
            let device = (report["devices"] as? [[String: Any]])?.first { $0["role"] as? String == "log" }
            #expect((device?["bytes_planned"] as? NSNumber)?.uint64Value == logBytes, "\(device ?? [:])")
            let bad = report["bad_ranges"] as? [[String: Any]] ?? []
            #expect(bad.map { $0["start_daddr"] as? Int } == [Int(fault / 512)], "\(bad)")
            #expect(result.status == 1, "\(result)")
        }
    }
}
