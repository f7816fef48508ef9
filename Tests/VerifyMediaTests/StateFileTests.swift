// Checkpoints and histories outlive the binary that wrote them: the files
// version 0.1.0 wrote (Tests/Fixtures/0.1.0, with Foundation's JSONEncoder)
// still load, a scan resumes from such a checkpoint, and what this version
// writes reads back the same, also with the 0.1.0 decoding.
import Foundation
import Testing
import TestBed
@testable import VerifyMedia

enum Fixtures {
    static var directory: String { RepoPaths.root + "/Tests/Fixtures/0.1.0" }
    static let uuid = "7a4db619-1e48-4498-8a0f-e661262d7f90"
    static var checkpoint: String { directory + "/scan.checkpoint" }
    static var history: String { directory + "/\(uuid).json" }
}

/// The checkpoint as version 0.1.0 decoded it (Codable, Foundation's
/// JSONDecoder with .convertFromSnakeCase): what this version writes must
/// still decode this way.
private struct CheckpointOf010: Decodable {
    struct LaneMark: Decodable { var lane: String; var start: UInt64; var end: UInt64; var verifiedUpTo: UInt64 }
    struct DeviceMark: Decodable {
        var role: DeviceRole; var bytesPlanned: UInt64; var bytesVerified: UInt64; var bytesRead: UInt64; var lanes: [LaneMark]
    }
    var format: String
    var fsUuid: String
    var scope: ScanScope
    var saved: Double
    var seconds: Double
    var devices: [DeviceMark]
    var badRanges: [BadRange]
    var unverifiedRanges: [UnverifiedRange]
    var flakyRanges: [FlakyRange]

    static func decode(_ bytes: [UInt8]) throws -> CheckpointOf010 {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(CheckpointOf010.self, from: Data(bytes))
    }
}

/// The history as version 0.1.0 decoded it.
private struct HistoryOf010: Decodable {
    struct Run: Decodable {
        var started: Double; var seconds: Double; var complete: Bool; var scope: ScanScope; var engine: EngineKind
        var bytesVerified: UInt64; var badRanges: [Range]
        enum CodingKeys: String, CodingKey {
            case started, seconds, complete, scope, engine, bytesVerified = "bytes_verified", badRanges = "bad_ranges"
        }
    }
    struct Range: Decodable {
        var device: DeviceRole; var startDaddr: UInt64; var endDaddr: UInt64; var error: String
        enum CodingKeys: String, CodingKey { case device, startDaddr = "start_daddr", endDaddr = "end_daddr", error }
    }
    var format: String
    var fsUUID: String
    var runs: [Run]
    enum CodingKeys: String, CodingKey { case format, fsUUID = "fs_uuid", runs }
}

@Suite struct StateFileTests {
    @Test func checkpointOf010Loads() throws {
        let bytes = try readWholeFile(Fixtures.checkpoint)
        let checkpoint = try Checkpoint(fileContents: bytes)
        #expect(checkpoint.fsUuid == Fixtures.uuid)
        #expect(checkpoint.scope == .allocated)
        #expect(checkpoint.saved == 1796043987.250774)
        #expect(checkpoint.seconds == 5.002601385116577)
        #expect(checkpoint.devices.count == 1)
        let data = try #require(checkpoint.devices.first)
        #expect(data.role == .data && data.bytesPlanned == 188948480 && data.bytesVerified == 188942848 && data.bytesRead == 188942848)
        #expect(data.lanes.map(\.lane) == ["ag 0", "ag 1", "ag 2", "ag 3"])
        #expect(data.lanes.map(\.start) == [0, 134217728, 268435456, 402653184])
        #expect(data.lanes.map(\.end) == [134217728, 268435456, 402653184, 536870912])
        #expect(data.lanes.map(\.verifiedUpTo) == [134217728, 268435456, 331350016, 402653184])
        #expect(checkpoint.badRanges == [BadRange(device: .data, range: ByteRange(102400, 103424), error: .EIO),
                                         BadRange(device: .data, range: ByteRange(125935616, 125936128), error: .ENODATA)])
        #expect(checkpoint.unverifiedRanges == [UnverifiedRange(device: .data, range: ByteRange(42045440, 42049536), error: .ETIMEDOUT,
                                                                reason: .transport)])
        #expect(checkpoint.flakyRanges == [FlakyRange(device: .data, range: ByteRange(92274688, 94371840), error: .EIO)])
        // The same values as version 0.1.0's own decoding of the file.
        let old = try CheckpointOf010.decode(bytes)
        #expect(old.saved == checkpoint.saved && old.seconds == checkpoint.seconds && old.badRanges == checkpoint.badRanges)
    }

    @Test func historyOf010Loads() throws {
        let history = try History.load(directory: Fixtures.directory, uuid: Fixtures.uuid)
        #expect(history.fsUUID == Fixtures.uuid)
        #expect(history.runs.count == 2)
        let first = try #require(history.runs.first), second = try #require(history.runs.last)
        #expect(first.started == 1796043981 && first.seconds == 0.394838047 && first.complete && first.scope == .allocated)
        #expect(first.engine == .uring && first.bytesVerified == 193247744)
        #expect(first.badRanges == [History.Range(device: .data, startDaddr: 200, endDaddr: 202, error: "EIO"),
                                    History.Range(device: .data, startDaddr: 245968, endDaddr: 245969, error: "ENODATA")])
        #expect(!second.complete && second.bytesVerified == 188942848 && second.badRanges.count == 2)
        #expect(history.lastComplete(covering: .data)?.started == 1796043981)
        #expect(history.status(of: BadRange(device: .data, range: ByteRange(201 << 9, 202 << 9), error: .EIO), scope: .allocated) == .known)
        #expect(history.status(of: BadRange(device: .data, range: ByteRange(202 << 9, 203 << 9), error: .EIO), scope: .allocated) == .new)
    }

    /// What this version writes reads back the same, here and in 0.1.0.
    @Test func savedFilesReadBack() throws {
        let directory = try Scheduled.temporaryDirectory("state")
        defer { Scheduled.removeTree(directory) }
        var checkpoint = try Checkpoint(fileContents: try readWholeFile(Fixtures.checkpoint))
        checkpoint.flakyRanges.append(FlakyRange(device: .log, range: ByteRange(0, 512), error: nil))
        checkpoint.devices[0].lanes[0].lane = "ag \"0\" é\n"
        let path = directory + "/again.checkpoint"
        try checkpoint.save(to: path)
        let bytes = try readWholeFile(path)
        let again = try Checkpoint(fileContents: bytes)
        #expect(again.fsUuid == checkpoint.fsUuid && again.scope == checkpoint.scope)
        #expect(again.devices.map(\.lanes.count) == checkpoint.devices.map(\.lanes.count))
        #expect(again.devices[0].lanes[0].lane == "ag \"0\" é\n")
        #expect(again.badRanges == checkpoint.badRanges && again.unverifiedRanges == checkpoint.unverifiedRanges)
        #expect(again.flakyRanges == checkpoint.flakyRanges)
        #expect(abs(again.saved - checkpoint.saved) < 0.001 && abs(again.seconds - checkpoint.seconds) < 0.001)
        let old = try CheckpointOf010.decode(bytes)
        #expect(old.format == Checkpoint.format && old.fsUuid == checkpoint.fsUuid && old.flakyRanges == checkpoint.flakyRanges)
        #expect(old.devices[0].lanes.map(\.verifiedUpTo) == checkpoint.devices[0].lanes.map(\.verifiedUpTo))

        let history = try History.load(directory: Fixtures.directory, uuid: Fixtures.uuid)
        try history.save(directory: directory + "/lib/xfs_verify_media")
        var st = stat()
        #expect(stat(directory + "/lib/xfs_verify_media", &st) == 0 && st.st_mode & 0o777 == 0o700, "the history names damaged files")
        let reread = try History.load(directory: directory + "/lib/xfs_verify_media", uuid: Fixtures.uuid)
        #expect(reread.runs.map(\.badRanges) == history.runs.map(\.badRanges))
        #expect(reread.runs.map(\.bytesVerified) == history.runs.map(\.bytesVerified))
        let oldHistory = try JSONDecoder().decode(HistoryOf010.self,
                                                  from: Data(readWholeFile(History.path(directory: directory + "/lib/xfs_verify_media",
                                                                                       uuid: Fixtures.uuid))))
        #expect(oldHistory.fsUUID == Fixtures.uuid && oldHistory.runs.map(\.started) == history.runs.map(\.started))
    }

    /// A damaged or foreign file is refused with the reason, and the
    /// scheduled scan is not silently reset.
    @Test func brokenFilesAreRefusedWithTheReason() throws {
        let directory = try Scheduled.temporaryDirectory("state")
        defer { Scheduled.removeTree(directory) }
        let text = try String(decoding: readWholeFile(Fixtures.checkpoint), as: UTF8.self)
        for (broken, reason) in [
            (text.replacingOccurrences(of: "checkpoint\\/1", with: "checkpoint\\/2"), "format: \"xfs-verify-media-checkpoint/2\", not xfs-verify-media-checkpoint/1"),
            (text.replacingOccurrences(of: "\"verified_up_to\":331350016", with: "\"verified_up_to\":-1"), "devices[0].lanes[2].verified_up_to: expected an integer"),
            (text.replacingOccurrences(of: "\"error\":\"ENODATA\"", with: "\"error\":\"\""), "bad_ranges[1].error: \"\" is not an errno name"),
            (text.replacingOccurrences(of: "\"scope\":\"allocated\"", with: "\"scope\":\"all\""), "scope: \"all\" is none of allocated, data, device"),
            (String(text.dropLast(10)), "invalid JSON at byte"),
        ] {
            #expect(broken != text)
            #expect(throws: JSONShapeError.self) { try Checkpoint(fileContents: Array(broken.utf8)) }
            do {
                _ = try Checkpoint(fileContents: Array(broken.utf8))
            } catch {
                #expect(error.description.contains(reason), "\(error)")
            }
        }
        try Scheduled.write(directory + "/\(Fixtures.uuid).json", "{\"format\": \"xfs-verify-media-history/1\", \"fs_uuid\": \"\(Fixtures.uuid)\"}")
        do {
            _ = try History.load(directory: directory, uuid: Fixtures.uuid)
            Issue.record("a history without runs loaded")
        } catch {
            #expect(error.description.contains("not a valid history file (runs: missing)"), "\(error)")
        }
        #expect(try History.load(directory: directory + "/none", uuid: Fixtures.uuid).runs.isEmpty, "no file: a new history")
    }

    /// The 0.1.0 checkpoint of a default test bed, given this bed's UUID:
    /// the scan resumes from it, keeps the bad ranges it had found, reads
    /// again the range it had given up on (now readable), and finishes.
    @Test(.enabled(if: TestBed.unavailableReason == nil && Scheduled.binaryMissing == nil,
                   Comment(rawValue: TestBed.unavailableReason ?? Scheduled.binaryMissing ?? "")))
    func scanResumesFromACheckpointOf010() throws {
        try TestBed.with { bed in
            let uuid = try FilesystemProbe.probe(bed.mountPoint).geometry.uuid
            let text = try String(decoding: readWholeFile(Fixtures.checkpoint), as: UTF8.self)
            let checkpoint = bed.directory + "/old.checkpoint"
            try Scheduled.write(checkpoint, text.replacingOccurrences(of: Fixtures.uuid, with: uuid))
            let run = try bed.run([RepoPaths.binary, "--checkpoint", checkpoint, "--resume", "--json", bed.mountPoint])
            // 1: the checkpoint's bad ranges; its unverified range is read again, and reads.
            #expect(run.status == 1, "\(run)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run)")
            #expect(report["complete"] as? Bool == true)
            let bad = (report["bad_ranges"] as? [[String: Any]] ?? []).map { "\($0["start_daddr"] ?? "")-\($0["end_daddr"] ?? "") \($0["error"] ?? "")" }
            #expect(bad == ["200-202 EIO", "245968-245969 ENODATA"], "\(run)")
            let unverified = (report["unverified_ranges"] as? [[String: Any]] ?? []).map { "\($0["start_daddr"] ?? "") \($0["reason"] ?? "")" }
            #expect(unverified.isEmpty, "the range given up on was not read again: \(unverified)")
            #expect((report["flaky_ranges"] as? [Any])?.count == 1)
            let device = (report["devices"] as? [[String: Any]])?.first
            #expect((device?["bytes_verified"] as? UInt64 ?? 0) >= 188942848, "the checkpoint's bytes count")
            #expect(!FileManager.default.fileExists(atPath: checkpoint), "a completed scan removes its checkpoint")
        }
    }
}
