// --metrics (issue 12.5): the node_exporter textfile a real scan of a
// damaged test bed writes, while it runs and when it ends, checked by
// Prometheus' own linter, `promtool check metrics`.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

enum Promtool {
    static let unavailableReason: String? = {
        if let reason = Harness.unavailableReason { return reason }
        return findExecutable("promtool") == nil ? "promtool is not installed (Debian package prometheus; scripts/install-deps test)" : nil
    }()

    /// `promtool check metrics` of `text`: its exit status and what it said.
    static func check(_ text: String) throws -> CommandResult {
        try runCommand(["promtool", "check", "metrics"], stdin: text, timeout: .seconds(60))
    }

    /// The samples of a metrics text: "name{labels}" -> value.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}

@Suite("Metrics for node_exporter", .serialized, .enabled(if: Promtool.unavailableReason == nil, Comment(rawValue: Promtool.unavailableReason ?? "")))
struct MetricsTests {
    @Test("a scan of a damaged filesystem writes metrics promtool accepts: progress while running, then its figures")
    func metricsOfARealScan() throws {
        try TestBed.with { bed in
            for index in 0..<2 { try bed.writeFile("big\(index)", size: 48 << 20, seed: UInt64(index)) }
            try bed.writeFile("docs/a \"quoted\" name", size: 1 << 20)
            try bed.sync()
            try bed.data.arm(.eio, offset: try bed.physicalOffset("docs/a \"quoted\" name", fileOffset: 4096), length: 512)
            try bed.data.arm(.eio, offset: try bed.physicalOffset("big1", fileOffset: 30 << 20), length: 1024)
            let metrics = bed.directory + "/xfs_verify_media.prom"
            let state = bed.directory + "/state"
            let scan = try spawnProcess([RepoPaths.binary, "-q", "--rate", "20M", "--state-dir", state, "--metrics", metrics, bed.mountPoint])
            var during: String?
            for _ in 0..<200 where during == nil {
                usleep(50_000)
                if let text = try? Scheduled.read(metrics), text.contains("xfs_verify_media_scan_running{") { during = text }
            }
            let running = try #require(during, "no metrics while running")
            let lint = try Promtool.check(running)
            #expect(lint.status == 0 && lint.stdout.isEmpty && lint.stderr.isEmpty, "\(lint)\n\(running)")
            let uuid = try #require(try statusUUID(bed))
            let fs = "uuid=\"\(uuid)\",mountpoint=\"\(bed.mountPoint)\""
            let device = fs + ",device=\"\(bed.data.device)\",role=\"data\""
            let live = Promtool.samples(running)
            #expect(live["xfs_verify_media_scan_running{\(fs)}"] == 1.0, "\(running)")
            let ratio = try #require(live["xfs_verify_media_scan_progress_ratio{\(device)}"], "\(running)")
            #expect(ratio >= 0 && ratio < 1)

            #expect(scan.wait(timeout: .seconds(120)) == Int32(1 | 2 | 16))
            let final = try Scheduled.read(metrics)
            let check = try Promtool.check(final)
            #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check)\n\(final)")
            let values = Promtool.samples(final)
            #expect(values["xfs_verify_media_scan_running{\(fs)}"] == 0.0, "\(final)")
            #expect(values["xfs_verify_media_last_scan_complete{\(fs)}"] == 1.0)
            #expect(values["xfs_verify_media_last_scan_exit_status{\(fs)}"] == 19.0)
            #expect(values["xfs_verify_media_last_scan_bad_sectors{\(device)}"] == 3.0, "\(final)")
            #expect(values["xfs_verify_media_last_scan_bad_ranges{\(device)}"] == 2.0)
            #expect(values["xfs_verify_media_last_scan_new_bad_ranges{\(device)}"] == 2.0)
            #expect(values["xfs_verify_media_last_scan_files_affected{\(device)}"] == 2.0)
            #expect((values["xfs_verify_media_last_scan_verified_bytes{\(device)}"] ?? 0) > Double(96 << 20))
            let completed = try #require(values["xfs_verify_media_last_complete_scan_timestamp_seconds{\(fs)}"])
            #expect(abs(completed - Date().timeIntervalSince1970) < 120)
            #expect((values["xfs_verify_media_last_scan_duration_seconds{\(fs)}"] ?? 0) > 1)
            var st = stat()
            #expect(stat(metrics, &st) == 0 && st.st_mode & 0o777 == 0o644, "node_exporter reads it as another user")
            #expect(try FileManager.default.contentsOfDirectory(atPath: bed.directory).filter { $0.contains(".prom.tmp") }.isEmpty)
        }
    }

    private func statusUUID(_ bed: TestBed) throws -> String? {
        let run = try runTool(["status", "--json", bed.mountPoint])
        return ((try run.jsonObject()["filesystems"] as? [[String: Any]])?.first)?["fs_uuid"] as? String
    }
}
