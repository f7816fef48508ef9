// Watch mode's entries in a real systemd-journald: the test starts its own
// journald in a private mount namespace, runs the watcher with its stderr
// connected to journald's stdout stream as systemd connects a service
// (JOURNAL_STREAM set), makes a media error happen, and reads the entries
// back with `journalctl -o json`.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

enum PrivateJournal {
    static let journald = "/lib/systemd/systemd-journald"

    static let unavailableReason: String? = {
        if let reason = WatchHarness.unavailableReason { return reason }
        if access(journald, X_OK) != 0 { return "\(journald) is not installed (systemd)" }
        for tool in ["journalctl", "systemd-cat", "unshare"] where findExecutable(tool) == nil { return "\(tool) is not installed" }
        return nil
    }()

    /// Runs `body` (bash) in a private mount namespace with a journald of
    /// its own (tmpfs on /run/systemd and on the journal directories, so the
    /// machine's journal is not touched), then returns its entries as
    /// `journalctl -o json` gives them. The body has `as_service CMD...`,
    /// which runs CMD as systemd runs a service: stderr (and stdout) a
    /// journal stream, named in JOURNAL_STREAM; and `wait_for FILTER...`,
    /// which waits until journalctl finds an entry for FILTER.
    static func run(_ body: String, environment: [String: String], directory: String) throws -> (CommandResult, [[String: Any]]) {
        let output = directory + "/journal.json"
        let script = #"""
        set -eu
        mkdir -p /run/systemd /run/log
        mount -t tmpfs tmpfs /run/systemd
        mount -t tmpfs tmpfs /run/log
        if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
        mkdir -p /run/systemd/journal
        "$JOURNALD" >/dev/null 2>&1 &
        journald=$!
        trap 'kill $journald 2>/dev/null; wait $journald 2>/dev/null || true' EXIT
        for i in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.1; done
        as_service() {
            systemd-cat -t xvm-stream sh -c 'export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); exec "$@"' sh "$@"
        }
        wait_for() {
            for i in $(seq 300); do
                [ -n "$(journalctl -o cat "$@" 2>/dev/null)" ] && return 0
                sleep 0.1
            done
            echo "no journal entry: $*" >&2
            journalctl -o cat >&2
            return 1
        }
        """#
        let finish = #"journalctl -o json --no-pager > "$JOURNAL_OUTPUT""#
        var environment = environment
        environment["JOURNALD"] = journald
        environment["JOURNAL_OUTPUT"] = output
        let run = try runCommand(["unshare", "--mount", "--propagation", "private", "bash", "-c", [script, body, finish].joined(separator: "\n")],
                                 environment: environment, timeout: .seconds(180))
        let entries = run.succeeded ? String(decoding: try readWholeFile(output), as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        } : []
        return (run, entries)
    }
}

@Suite(.serialized, .enabled(if: PrivateJournal.unavailableReason == nil, Comment(rawValue: PrivateJournal.unavailableReason ?? "")))
struct JournalTests {
    @Test func entriesCarryFieldsWhenStderrIsTheJournal() throws {
        try TestBed.with { bed in
            try bed.writeFile("photos/beach.raw", size: 4 << 20, seed: 1)
            try bed.sync()
            let physical = try bed.physicalOffset("photos/beach.raw", fileOffset: 950_272)
            try bed.data.arm(.eio, offset: physical, length: 512)
            let body = #"""
            as_service env LD_PRELOAD="$PRELOAD" "$BINARY" watch --no-history --engine sync "$MNT" &
            watcher=$!
            wait_for SYSLOG_IDENTIFIER=xfs_verify_media MESSAGE="$MNT: monitoring started"
            env LD_PRELOAD="$PRELOAD" "$BINARY" --engine kernel -q "$MNT" || true
            wait_for SYSLOG_IDENTIFIER=xfs_verify_media XVM_EVENT=bad_range
            kill -TERM $watcher
            wait $watcher || true
            """#
            let (run, entries) = try PrivateJournal.run(body, environment: ["PRELOAD": Emulator.library, "BINARY": RepoPaths.binary,
                                                                            "MNT": bed.mountPoint], directory: bed.directory)
            #expect(run.succeeded, "\(run)")
            let ours = entries.filter { $0["SYSLOG_IDENTIFIER"] as? String == "xfs_verify_media" }
            func entry(_ message: String) -> [String: Any]? { ours.first { $0["MESSAGE"] as? String == message } }

            let file = bed.path("photos/beach.raw")
            let started = try #require(entry("\(bed.mountPoint): monitoring started"), "\(ours)")
            #expect(started["PRIORITY"] as? String == "6")
            #expect(started["XVM_EVENT"] as? String == "running")
            #expect(started["_TRANSPORT"] as? String == "journal", "native protocol, not the stream")

            let media = try #require(entry("\(bed.mountPoint) datadev daddr 0x\(String(physical >> 9, radix: 16)) bbcount 0x1: media error"))
            #expect(media["XVM_EVENT"] as? String == "media_error" && media["XVM_DEVICE"] as? String == "data")
            #expect(media["XVM_DADDR"] as? String == String(physical >> 9) && media["XVM_BBCOUNT"] as? String == "1")
            #expect(media["XVM_MOUNTPOINT"] as? String == bed.mountPoint && media["PRIORITY"] as? String == "4")

            let lost = try #require(entry("\(file) pos 950272 len 512: media failed"))
            #expect(lost["PRIORITY"] as? String == "3", "lost data is logged at priority err")
            #expect(lost["XVM_EVENT"] as? String == "datalost" && lost["XVM_PATH"] as? String == file)
            #expect(lost["XVM_INODE"] as? String == String(try bed.inode("photos/beach.raw")))
            #expect(lost["XVM_OFFSET"] as? String == "950272" && lost["XVM_LENGTH"] as? String == "512")

            let found = try #require(entry("\(file): media error at data offset 950272 length 512 (EIO)"))
            #expect(found["PRIORITY"] as? String == "3")
            #expect(found["XVM_EVENT"] as? String == "bad_range" && found["XVM_ACTION"] as? String == "verification")
            #expect(found["XVM_PATH"] as? String == file && found["XVM_DATA_LOST"] as? String == "1")
            #expect(found["XVM_START_DADDR"] as? String == String(physical >> 9) && found["ERRNO"] as? String == String(EIO))

            // Nothing went to the stream as well: each entry once.
            let streamed = entries.filter { $0["_TRANSPORT"] as? String == "stdout" && ($0["MESSAGE"] as? String ?? "").contains("media") }
            #expect(streamed.isEmpty, "\(streamed)")
        }
    }
}
