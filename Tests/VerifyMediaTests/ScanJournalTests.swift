// A scan's findings in a real systemd-journald: a scan of a test bed with
// lost file data, damaged metadata and a transport error runs as systemd
// runs a service (stderr a journal stream, JOURNAL_STREAM naming it), and
// `journalctl -o json` must hold one entry per line of the text report,
// with the MESSAGE_ID and fields the man page promises, agreeing with the
// JSON report of the same scan. And when stderr is not the journal, the
// journal hears nothing.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

/// The MESSAGE_IDs of the man page (JOURNAL): a contract, never changed.
enum ScanMessageID {
    static let fileDataLost = "080c2a1acc434adb92859f6cb88f1ac7"
    static let metadataDamaged = "d4b77c3126354c66888676528f9c0cde"
    static let notVerified = "f52f7299b0a14785b15dc586f636f75b"
    static let summary = "32f5afeade6648248a4daa171d86ce7d"
}

@Suite(.serialized, .enabled(if: PrivateJournal.unavailableReason == nil, Comment(rawValue: PrivateJournal.unavailableReason ?? "")))
struct ScanJournalTests {
    @Test func findingsAreJournalEntriesWithFields() throws {
        try TestBed.with { bed in
            try bed.writeFile("photos/beach.raw", size: 4 << 20, seed: 1)
            try bed.writeFile("docs/notes.txt", size: 1 << 20, seed: 5)
            try bed.sync()
            try bed.data.arm(.eio, offset: try bed.physicalOffset("photos/beach.raw", fileOffset: 950_272), length: 512)
            try bed.data.arm(.errno("ETIMEDOUT"), offset: try bed.physicalOffset("docs/notes.txt", fileOffset: 4096), length: 512)
            let refcount = try fsmapRow(try bed.fsmap(), "refcount btree")
            try bed.data.arm(.eio, offset: refcount.start * 512, length: 512)

            let (stdout, report) = (bed.directory + "/scan.out", bed.directory + "/report.json")
            let body = #"""
            status=0
            as_service sh -c 'exec "$@" >"$STDOUT"' sh "$BINARY" --report "$REPORT" "$MNT" || status=$?
            echo "$status" > "$STDOUT.status"
            wait_for SYSLOG_IDENTIFIER=xfs_verify_media MESSAGE_ID=32f5afeade6648248a4daa171d86ce7d
            """#
            let (run, entries) = try PrivateJournal.run(body, environment: ["BINARY": RepoPaths.binary, "MNT": bed.mountPoint,
                                                                            "STDOUT": stdout, "REPORT": report], directory: bed.directory)
            #expect(run.succeeded, "\(run)")
            let text = String(decoding: try readWholeFile(stdout), as: UTF8.self)
            let status = Int32(String(decoding: try readWholeFile(stdout + ".status"), as: UTF8.self).filter(\.isNumber))
            let json = try ScanReport.decode(String(decoding: try readWholeFile(report), as: UTF8.self), context: text)
            #expect(status == ExitBit.media | ExitBit.fileData | ExitBit.operational, "\(text)")

            let ours = entries.filter { $0["SYSLOG_IDENTIFIER"] as? String == "xfs_verify_media" }
            #expect(ours.allSatisfy { $0["_TRANSPORT"] as? String == "journal" }, "native protocol, not the stream")
            // One entry per line of the text report, in its order and its
            // words; the summary's lines in one entry, the last.
            let messages = ours.compactMap { $0["MESSAGE"] as? String }
            let journalLines: [String] = messages.flatMap { $0.split(separator: "\n").map(String.init) }
            let reportLines: [String] = text.split(separator: "\n").map(String.init)
            #expect(journalLines == reportLines, "\(messages)\n---\n\(text)")
            let summary = try #require(ours.last)
            #expect(summary["MESSAGE_ID"] as? String == ScanMessageID.summary)
            #expect(ours.dropLast().allSatisfy { $0["MESSAGE_ID"] as? String != ScanMessageID.summary })
            for entry in ours {
                #expect(entry["XVM_FS_UUID"] as? String == json.fsUuid && entry["XVM_MOUNTPOINT"] as? String == bed.mountPoint)
            }

            func withID(_ id: String) -> [[String: Any]] { ours.filter { $0["MESSAGE_ID"] as? String == id } }
            func daddrs(_ entry: [String: Any]) -> String {
                "\(entry["XVM_DEVICE"] as? String ?? "?") \(entry["XVM_START_DADDR"] as? String ?? "?")-\(entry["XVM_END_DADDR"] as? String ?? "?")"
            }
            let devicePath = try #require(json.data?.path)

            // Lost file data: err, with the file's path, offset and inode as the JSON report has them.
            let lostRanges = json.badRanges.filter { $0.owners.contains { $0.type == "file" && $0.fork == "data" } }
            let lost = withID(ScanMessageID.fileDataLost)
            #expect(lostRanges.count == 1 && lost.count == 1, "\(lost)")
            if let range = lostRanges.first, let owner = range.owners.first, let entry = lost.first {
                #expect(entry["PRIORITY"] as? String == "3")
                #expect(entry["XVM_PATH"] as? String == owner.path && owner.path == bed.path("photos/beach.raw"))
                #expect(entry["XVM_OFFSET"] as? String == owner.fileOffset.map { String($0) } && owner.fileOffset == 950_272)
                #expect(entry["XVM_INODE"] as? String == owner.inode.map { String($0) } && entry["XVM_OWNER"] as? String == "file")
                #expect(daddrs(entry) == "\(range.device) \(range.startDaddr)-\(range.endDaddr)")
                #expect(entry["XVM_DEVICE_PATH"] as? String == devicePath && entry["XVM_DATA_LOST"] as? String == "1")
                #expect(entry["ERRNO"] as? String == String(EIO) && entry["XVM_ACTION"] as? String == "scan")
            }

            // Damaged metadata: err, naming the structure.
            let metadataRanges = json.badRanges.filter { $0.owners.contains { $0.type == "metadata" } }
            let metadata = withID(ScanMessageID.metadataDamaged)
            #expect(metadataRanges.count == 1 && metadata.count == 1, "\(metadata)")
            if let range = metadataRanges.first, let entry = metadata.first {
                #expect(entry["PRIORITY"] as? String == "3" && entry["XVM_OWNER"] as? String == "metadata")
                #expect(entry["XVM_METADATA"] as? String == "refcountbt" && range.startDaddr == refcount.start)
                #expect(daddrs(entry) == "\(range.device) \(range.startDaddr)-\(range.endDaddr)")
            }

            // The transport error: a warning that the range was not verified.
            let unverified = withID(ScanMessageID.notVerified)
            #expect(unverified.count == json.unverifiedRanges.count && !unverified.isEmpty, "\(unverified)")
            for (entry, range) in zip(unverified, json.unverifiedRanges) {
                #expect(entry["PRIORITY"] as? String == "4" && entry["XVM_REASON"] as? String == "transport")
                #expect(entry["ERRNO"] as? String == String(ETIMEDOUT))
                #expect(daddrs(entry) == "\(range.device) \(range.startDaddr)-\(range.endDaddr)")
            }

            // The summary: notice (something was found), with the counts of the JSON report.
            #expect(summary["PRIORITY"] as? String == "5")
            #expect(summary["XVM_BAD_RANGES"] as? String == String(json.badRanges.count) && json.badRanges.count == 2)
            #expect(summary["XVM_BAD_SECTORS"] as? String == String(json.summary.badSectors))
            #expect(summary["XVM_BYTES"] as? String == String(json.summary.bytesVerified))
            #expect(summary["XVM_EXIT_STATUS"] as? String == status.map { String($0) } && summary["XVM_FILES"] as? String == "1")
            #expect(summary["XVM_COMPLETE"] as? String == "1" && summary["XVM_ENGINE"] as? String == json.engine)
        }
    }

    /// A service whose stderr was sent elsewhere (JOURNAL_STREAM still set,
    /// naming a stream that stderr no longer is): its findings stay where
    /// they always went, and nothing goes to the journal.
    @Test func nothingGoesToTheJournalWhenStderrIsNotIt() throws {
        try TestBed.with { bed in
            try bed.writeFile("photos/beach.raw", size: 4 << 20, seed: 1)
            try bed.sync()
            try bed.data.arm(.eio, offset: try bed.physicalOffset("photos/beach.raw", fileOffset: 950_272), length: 512)
            let (stdout, stderr) = (bed.directory + "/scan.out", bed.directory + "/scan.err")
            let body = #"""
            as_service sh -c 'exec "$@" >"$STDOUT" 2>"$STDERR"' sh "$BINARY" "$MNT" || true
            # A marker through the same socket: once journald has it, it has
            # everything sent before.
            printf 'MESSAGE=marker\nSYSLOG_IDENTIFIER=xvm-marker\n' | logger --journald
            wait_for SYSLOG_IDENTIFIER=xvm-marker
            """#
            let (run, entries) = try PrivateJournal.run(body, environment: ["BINARY": RepoPaths.binary, "MNT": bed.mountPoint,
                                                                            "STDOUT": stdout, "STDERR": stderr], directory: bed.directory)
            #expect(run.succeeded, "\(run)")
            #expect(entries.contains { $0["SYSLOG_IDENTIFIER"] as? String == "xvm-marker" }, "the journal ran: \(run)")
            let ours = entries.filter { $0["SYSLOG_IDENTIFIER"] as? String == "xfs_verify_media" }
            #expect(ours.isEmpty, "\(ours)")
            let text = String(decoding: try readWholeFile(stdout), as: UTF8.self)
            #expect(text.contains("\(bed.path("photos/beach.raw")): media error at data offset 950272 length 512 (EIO)"), "\(text)")
            let errors = String(decoding: try readWholeFile(stderr), as: UTF8.self)
            #expect(!errors.contains("media error"), "\(errors)")
        }
    }
}
