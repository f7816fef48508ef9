// Watch mode on real faulty test beds, with the health monitor of the
// LD_PRELOAD emulator (this machine's kernel has none): events from the
// kernel engine's REPORT path and events injected as the kernel sends them.
// The same behaviours are checked on the real Linux 7.x kernel by the
// guest suite.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite(.serialized, .enabled(if: WatchHarness.unavailableReason == nil, Comment(rawValue: WatchHarness.unavailableReason ?? "")))
struct WatchTests {
    /// A scan with the kernel engine reports the bad sector it pinpoints;
    /// the watcher hears MEDIA_ERROR (and DATALOST), verifies the range
    /// around it with the kernel engine too (whose own reports must not
    /// start more verifications), names the file and offset exactly, and
    /// records the bad range once in the history and the report.
    @Test func aReportedMediaErrorIsVerifiedNamedAndRecordedOnce() throws {
        try TestBed.with { bed in try WatchScenarios.reportedMediaError(bed, emulated: true) }
    }

    /// A user's read() of a damaged file fails; the kernel sends DIOREAD
    /// with the file's inode, generation and byte range. The watcher names
    /// the file, finds the bad sector under that range and names it exactly.
    @Test func aUsersFailedReadNamesTheFile() throws {
        try TestBed.with { bed in
            try bed.writeFile("docs/notes.txt", size: 64 << 10, seed: 2)
            try bed.sync()
            let physical = try bed.physicalOffset("docs/notes.txt", fileOffset: 16384)
            try bed.data.arm(.eio, offset: physical + 1024, length: 512)
            let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history"])
            let read = try directRead(bed.path("docs/notes.txt"), offset: 16384, length: 4096)
            #expect(read.errno == EIO, "\(read)")
            try InjectedEvents.send([.fileRange(type: 10, inode: try bed.inode("docs/notes.txt"), generation: try bed.generation("docs/notes.txt"),
                                                position: 16384, length: 4096, error: UInt32(EIO))], to: bed)
            let file = bed.path("docs/notes.txt")
            try watch.waitFor("the sector named") { $0.contains("\(file): media error at data offset 17408 length 512 (EIO)") }
            #expect(watch.lines.contains("\(file) pos 16384 len 4096: directio_read: Input/output error"))
            #expect(watch.stop() == 0)
        }
    }

    /// The kernel allows one monitor per filesystem: a second watcher (or
    /// xfs_healer) is refused with its own exit status and told what to do.
    @Test func aSecondMonitorIsRefusedWithItsOwnStatus() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            let environment = ["LD_PRELOAD": Emulator.library]
            let check = try bed.run([RepoPaths.binary, "watch", "--check", "--no-history", bed.mountPoint], environment: environment)
            #expect(check.status == 0, "\(check)")
            let first = try WatchProcess(bed, ["--no-history"])
            for arguments in [["watch", "--no-history"], ["watch", "--check"]] {
                let second = try bed.run([RepoPaths.binary] + arguments + [bed.mountPoint], environment: environment, timeout: .seconds(60))
                #expect(second.status == 32, "\(second)")
                #expect(second.stderr.contains("another program already monitors this filesystem's health"), "\(second)")
                #expect(second.stderr.contains("systemctl disable --now xfs_healer_start.service"), "\(second)")
            }
            // Without the emulator a kernel before 7.0 has no monitor at all.
            if !KernelFeatures.hasHealthMonitor {
                let plain = try bed.run([RepoPaths.binary, "watch", "--check", bed.mountPoint], environment: ["LD_PRELOAD": ""])
                #expect(plain.status == 4 && plain.stderr.contains("Linux 7.0 or later"), "\(plain)")
            }
            #expect(first.stop() == 0)
        }
    }

    /// The watcher holds no descriptor on the filesystem: umount succeeds
    /// at once, and the watch ends with status 0.
    @Test func umountWhileWatchingSucceedsAndEndsTheWatch() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            let watch = try WatchProcess(bed, ["--no-history"])
            let umount = try runCommand(["umount", bed.mountPoint], timeout: .seconds(30))
            #expect(umount.succeeded, "\(umount)")
            #expect(watch.exitStatus() == 0, "\(watch.output)")
            #expect(watch.lines.last == "\(bed.mountPoint): filesystem unmounted", "\(watch.output)")
        }
    }

    /// More events than the kernel's 32 KiB queue while the watcher is
    /// stopped: the burst overflows, LOST is logged with its count, and a
    /// full scan of the filesystem follows.
    @Test func lostEventsStartAFullScan() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            try bed.writeFile("a", size: 1 << 20)
            try bed.sync()
            let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history"])
            try watch.pause()
            let burst = (0..<600).map { _ in EventRecord.media(daddr: 4096, bbcount: 8) }
            try InjectedEvents.send(burst, to: bed)
            kill(watch.process.pid, SIGCONT)
            // As in the kernel, LOST goes in before the next event that fits:
            // send one once the queue has been read.
            try watch.waitFor("the burst read") { $0.contains { $0.contains(": verified ") } }
            try InjectedEvents.send([.media(daddr: 4096, bbcount: 8)], to: bed)
            try watch.waitFor("a full scan") { $0.contains { $0.contains(": full scan verified ") } }
            let lost = watch.lines.compactMap { line -> Int? in
                guard line.hasPrefix("\(bed.mountPoint): "), line.hasSuffix(" events lost") else { return nil }
                return Int(line.dropFirst(bed.mountPoint.count + 2).dropLast(" events lost".count))
            }
            #expect(lost.count == 1 && lost[0] >= 600 - 512, "\(watch.output)")
            #expect(watch.lines.contains("\(bed.mountPoint): health events were lost: scanning the whole filesystem for media errors"))
            #expect(watch.stop() == 0)
        }
    }

    /// Sick metadata: logged, and repaired with --repair or autofsck=repair
    /// (XFS_IOC_SCRUB_METADATA). This kernel has no online repair, so the
    /// repair fails honestly: the watcher says to run xfs_repair and scans
    /// the whole filesystem. Without either, nothing is repaired.
    @Test func sickMetadataIsRepairedOnlyWhenAllowed() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            let sick = EventRecord.group(domain: 2, type: 3, mask: 0x10, number: 0)   // AG 0 bnobt
            let plain = try WatchProcess(bed, ["--engine", "sync", "--no-history"])
            try InjectedEvents.send([sick], to: bed)
            try plain.waitFor("the sick line") { $0.contains("\(bed.mountPoint) agno 0x0 bnobt: sick") }
            sleep(1)
            #expect(!plain.output.contains("agno 0x0 bnobt: Repair") && !plain.output.contains("agno 0x0 bnobt: Cannot"), "\(plain.output)")
            #expect(plain.stop() == 0)

            for (arguments, property) in [(["--repair"], nil), ([], "repair")] as [([String], String?)] {
                if let property {
                    try runCommand([Harness.python, "-c", "import os,sys; os.setxattr(sys.argv[1], 'trusted.xfs:autofsck', sys.argv[2].encode())",
                                    bed.mountPoint, property]).check()
                }
                let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history"] + arguments)
                #expect(watch.lines.contains { $0.contains("metadata repair on") }, "\(watch.output)")
                try InjectedEvents.send([sick], to: bed)
                let outcomes = ["Repairs successful.", "No modification needed.", "Cannot repair online", "Repair unsuccessful",
                                "Seems correct but cross-referencing failed"]
                try watch.waitFor("a repair outcome") { lines in
                    lines.contains { line in line.hasPrefix("\(bed.mountPoint) agno 0x0 bnobt: ") && outcomes.contains { line.contains($0) } }
                }
                let outcome = watch.lines.first { $0.hasPrefix("\(bed.mountPoint) agno 0x0 bnobt: ") && !$0.hasSuffix(": sick") }!
                if !outcome.contains("Repairs successful.") && !outcome.contains("No modification needed.") {
                    try watch.waitFor("the advice and a full scan") { lines in
                        lines.contains { $0.contains("online repair could not fix everything: unmount the filesystem and run xfs_repair \(bed.data.device)") }
                            && lines.contains { $0.contains(": full scan verified ") }
                    }
                }
                #expect(watch.stop() == 0)
            }
        }
    }

    /// An inode number reused by another file (the event's generation no
    /// longer matches) is not named after the file that has it now.
    @Test func aReusedInodeIsNotBlamedOnItsNewFile() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            try bed.writeFile("new", size: 4096)
            let inode = try bed.inode("new"), generation = try bed.generation("new")
            let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history"])
            try InjectedEvents.send([.fileRange(type: 12, inode: inode, generation: generation &+ 1, position: 0, length: 4096, error: 5),
                                     .fileRange(type: 12, inode: inode, generation: generation, position: 0, length: 4096, error: 5)], to: bed)
            let anonymous = "\(bed.mountPoint) ino \(inode) gen 0x\(String(generation &+ 1, radix: 16)) pos 0 len 4096: media failed"
            try watch.waitFor("both events") { $0.contains(anonymous) && $0.contains("\(bed.path("new")) pos 0 len 4096: media failed") }
            #expect(watch.stop() == 0)
        }
    }
}
