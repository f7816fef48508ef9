// Watch mode on the real Linux 7.x health monitor (the guest suite): what
// the kernel itself reports, with no emulator. A sector verified with
// REPORT, a user's failed read, real metadata damage repaired online, an
// unmount, a flood of events beyond the kernel's queue, and xfs_healer
// holding the monitor.
import CXFS
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed
import VerifyMedia

private let sidUserlandSkipReason: String? = SidUserland.unavailableReason.map { "needs xfsprogs 7.x (the sid userland): \($0)" }

extension Trait where Self == ConditionTrait {
    /// Needs xfsprogs 7.x (mkfs.xfs, xfs_db, xfs_repair, xfs_healer) from the sid userland.
    fileprivate static var sidUserland: Self {
        .enabled(if: sidUserlandSkipReason == nil, Comment(rawValue: sidUserlandSkipReason ?? ""))
    }
}

@Suite("RealKernel: watch mode on the real health monitor", .serialized, .realKernel)
struct RealKernelWatchTests {
    /// As `WatchTests.aReportedMediaErrorIsVerifiedNamedAndRecordedOnce`,
    /// on the kernel's own health monitor and XFS_IOC_VERIFY_MEDIA.
    @Test("a faulty sector verified with REPORT is named exactly and recorded once")
    func reportedMediaError() throws {
        try TestBed.with { bed in try WatchScenarios.reportedMediaError(bed, emulated: false) }
    }

    /// A user's O_DIRECT read of a damaged file fails; the kernel reports
    /// DIOREAD for the file; the watcher names the file and finds the sector.
    @Test("a user's read() of a damaged file: the watcher names the file and the sector")
    func usersRead() throws {
        try TestBed.with { bed in
            try bed.writeFile("docs/notes.txt", size: 64 << 10, seed: 2)
            try bed.sync()
            let physical = try bed.physicalOffset("docs/notes.txt", fileOffset: 16384)
            try bed.data.arm(.eio, offset: physical + 1024, length: 512)
            let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history"], emulated: false)
            let read = try directRead(bed.path("docs/notes.txt"), offset: 16384, length: 4096)
            #expect(read.errno == EIO, "\(read)")
            let file = bed.path("docs/notes.txt")
            try watch.waitFor("the file named") { lines in
                lines.contains { $0.hasPrefix("\(file) pos 16384 len 4096: directio_read: ") }
                    && lines.contains("\(file): media error at data offset 17408 length 512 (EIO)")
            }
            #expect(watch.stop() == 0)
        }
    }

    /// A directory data block zeroed with xfs_db on the unmounted
    /// filesystem (mkfs.xfs 7.x: parent pointers, autofsck=repair); `ls`
    /// finds it; the watcher repairs it because the property says so;
    /// HEALTHY follows, every entry is back, and xfs_repair -n is clean.
    @Test("real metadata damage is repaired online; HEALTHY follows and xfs_repair -n is clean", .sidUserland)
    func metadataRepair() throws {
        try TestBed.with(TestBedOptions(mkfsOptions: [], faultDisk: false, mkfsProgram: SidUserland.mkfs)) { bed in
            try runCommand(["mkdir", bed.path("mail")]).check()
            for index in 1...300 { try bed.writeFile("mail/message-number-\(index)", size: 64, seed: UInt64(index)) }
            #expect(try SidUserland.run("xfs_property", [bed.mountPoint, "get", "autofsck"]).stdout.contains("repair"))
            try bed.unmount()
            let corrupt = try SidUserland.run("xfs_db", ["-x", "-c", "path /mail", "-c", "dblock 0", "-c", "write -d dhdr.hdr.magic 0", bed.data.device])
            #expect(corrupt.stdout.contains("dhdr.hdr.magic = 0"), "\(corrupt)")
            try bed.mount()
            let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history"], emulated: false)
            #expect(watch.lines.contains { $0.contains("metadata repair on (autofsck=repair)") }, "\(watch.output)")
            let listing = try runCommand(["ls", bed.path("mail")])
            #expect(!listing.succeeded && listing.stderr.contains("Structure needs cleaning"), "\(listing)")
            let mail = bed.path("mail")
            try watch.waitFor("the repair and HEALTHY") { lines in
                lines.contains("\(mail) directory: sick") && lines.contains("\(mail) directory: Repairs successful.")
                    && lines.contains("\(mail) directory: healthy")
            }
            #expect(try runCommand(["ls", mail]).check().stdout.split(separator: "\n").count == 300)
            try bed.unmount()
            #expect(watch.exitStatus() == 0, "\(watch.output)")
            let check = try SidUserland.run("xfs_repair", ["-n", bed.data.device])
            #expect(check.status == 0, "\(check)")
        }
    }

    @Test("umount while watching succeeds at once; the watch exits 0")
    func umountWhileWatching() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            let watch = try WatchProcess(bed, ["--no-history"], emulated: false)
            #expect(try runCommand(["umount", bed.mountPoint], timeout: .seconds(30)).succeeded)
            #expect(watch.exitStatus() == 0, "\(watch.output)")
            #expect(watch.lines.last == "\(bed.mountPoint): filesystem unmounted", "\(watch.output)")
        }
    }

    /// 700 separate bad sectors reported with XFS_VERIFY_MEDIA_REPORT while
    /// the watcher is stopped: more than the kernel's 32 KiB of events.
    @Test("an event flood beyond the kernel's queue: LOST is logged and a full scan follows")
    func eventFlood() throws {
        try TestBed.with { bed in
            try bed.writeFile("a", size: 1 << 20)
            try bed.sync()
            // Free space far from the file, every 8 KiB: no two events merge.
            let first: UInt64 = 400 << 11
            let sectors = (0..<700).map { first + UInt64($0) * 16 }
            for sector in sectors { try bed.data.arm(.eio, offset: sector * 512, length: 512) }
            let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history", "--neighbourhood", "4K"], emulated: false)
            try watch.pause()
            let mount = try FileDescriptor.open(bed.mountPoint, O_RDONLY | O_DIRECTORY)
            defer { mount.close() }
            func report(_ sector: UInt64) throws {
                var request = xfs_verify_media()
                request.me_dev = UInt32(XFS_DEV_DATA.rawValue)
                request.me_flags = UInt32(XFS_VERIFY_MEDIA_REPORT)
                request.me_start_daddr = sector
                request.me_end_daddr = sector + 1
                try mount.ioctl(CXFS_XFS_IOC_VERIFY_MEDIA, &request)
                #expect(request.me_ioerror == UInt32(EIO))
            }
            for sector in sectors { try report(sector) }
            kill(watch.process.pid, SIGCONT)
            // LOST goes in before the next event: one more once the queue was read.
            try watch.waitFor("the queue read") { $0.contains { $0.contains(": verifying data device") } }
            try report(sectors[0])
            try watch.waitFor("LOST and a full scan", timeout: .seconds(300)) { lines in
                lines.contains { $0.hasSuffix(" events lost") } && lines.contains { $0.contains(": full scan verified ") }
            }
            #expect(watch.lines.contains("\(bed.mountPoint): health events were lost: scanning the whole filesystem for media errors"))
            #expect(watch.stop() == 0)
        }
    }

    /// xfs_healer (xfsprogs 7.x) holds the monitor: the watcher names it,
    /// says how to switch, and exits 32; the unit's ExecCondition too.
    @Test("xfs_healer holds the monitor: the watcher names it and exits 32", .sidUserland)
    func xfsHealerHoldsTheMonitor() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            let output = bed.directory + "/healer.out"
            let healer = try spawnProcess(SidUserland.command("/usr/libexec/xfsprogs/xfs_healer", [bed.mountPoint]), outputPath: output)
            defer { healer.kill(SIGTERM); _ = healer.wait(timeout: .seconds(30)) }
            func healerOutput() -> String { (try? readWholeFile(output)).map { String(decoding: $0, as: UTF8.self) } ?? "" }
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, !healerOutput().contains("monitoring started"), healer.wait(timeout: .zero) == nil {
                usleep(100_000)
            }
            try #require(healerOutput().contains("monitoring started"), "xfs_healer did not start: \(healerOutput())")
            for arguments in [["watch", "--no-history"], ["watch", "--check"]] {
                let run = try bed.run([RepoPaths.binary] + arguments + [bed.mountPoint], timeout: .seconds(60))
                #expect(run.status == 32, "\(run)")
                #expect(run.stderr.contains("xfs_healer)"), "the holder is named: \(run)")
                #expect(run.stderr.contains("systemctl disable --now xfs_healer_start.service"), "\(run)")
            }
        }
    }
}
