// --restore-from on a real test bed whose fault disk remaps on write, as a
// drive does: a damaged file and a reflinked pair are restored from their
// backup and read back byte-identical (the pair still sharing its blocks),
// a stale backup is refused with nothing written, and without --yes
// nothing at all is written.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite(.serialized, .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct RestoreTests {
    struct Damage {
        let relative: String
        let size: Int
        let seed: UInt64
        let offset: UInt64
    }

    /// report.odt: one file; shared/a and shared/b: a reflinked pair, damaged
    /// in a shared block; stale.txt: its backup is older (one byte differs).
    static let files = [Damage(relative: "docs/report.odt", size: 256 << 10, seed: 3, offset: (64 << 10) + 512),
                        Damage(relative: "shared/a", size: 1 << 20, seed: 4, offset: 512 << 10),
                        Damage(relative: "stale.txt", size: 64 << 10, seed: 5, offset: 16384)]

    /// Builds the files and their backup, then damages one sector of each.
    func prepare(_ bed: TestBed) throws -> (backup: String, physical: [String: UInt64]) {
        for file in RestoreTests.files { try bed.writeFile(file.relative, size: file.size, seed: file.seed) }
        try bed.reflink("shared/a", "shared/b")
        try bed.sync()
        let backup = bed.directory + "/backup"
        for relative in ["docs/report.odt", "shared/a", "shared/b", "stale.txt"] {
            try runCommand(["install", "-D", "-m", "0644", bed.path(relative), backup + "/" + relative]).check()
        }
        // The backup of stale.txt predates a change of one byte.
        var stale = try readWholeFile(backup + "/stale.txt")
        stale[40000] ^= 0xFF
        try Data(stale).write(to: URL(fileURLWithPath: backup + "/stale.txt"))
        var physical: [String: UInt64] = [:]
        for file in RestoreTests.files {
            physical[file.relative] = try bed.physicalOffset(file.relative, fileOffset: file.offset)
            try bed.data.arm(.eio, offset: physical[file.relative]!, length: 512)
        }
        #expect(try bed.physicalOffset("shared/b", fileOffset: 512 << 10) == physical["shared/a"])
        try bed.data.remapOnWrite(true)
        try bed.dropCaches()
        return (backup, physical)
    }

    func modificationTime(_ path: String) -> timespec {
        var st = stat()
        stat(path, &st)
        return st.st_mtim
    }

    /// Every byte of the file read with O_DIRECT, or the errno of the first failure.
    func directContents(_ path: String, size: Int) throws -> Result<[UInt8], TestBedError> {
        var bytes: [UInt8] = []
        for offset in stride(from: 0, to: size, by: 65536) {
            let read = try directRead(path, offset: UInt64(offset), length: min(65536, size - offset))
            guard read.succeeded else { return .failure(TestBedError("\(path) at \(offset): \(read)")) }
            bytes += read.data
        }
        return .success(bytes)
    }

    @Test func withoutYesNothingIsWritten() throws {
        try TestBed.with { bed in
            let (backup, _) = try prepare(bed)
            let times = ["docs/report.odt", "shared/a", "shared/b", "stale.txt"].map { modificationTime(bed.path($0)) }
            let run = try runTool(["--engine", "sync", "--restore-from", backup, bed.mountPoint])
            #expect(run.status == 3, "\(run)")
            let report = bed.path("docs/report.odt"), a = bed.path("shared/a"), b = bed.path("shared/b"), stale = bed.path("stale.txt")
            #expect(run.stdout.contains("\(report): would restore data offset 65536 length 4096 from \(backup)/docs/report.odt"), "\(run)")
            let shared = run.stdout.split(separator: "\n").first { $0.contains("would restore data offset 524288 length 4096") }
            #expect(shared?.contains(a) == true || shared?.contains(b) == true, "\(run)")
            #expect(shared.map { $0.contains("it is shared with") } == true, "\(run)")
            #expect(run.stdout.contains("\(stale): not restored at data offset 16384: backup \(backup)/stale.txt differs at offset 40000; nothing written"),
                    "\(run)")
            #expect(try bed.data.remappedBytes() == 0)
            #expect(try bed.data.faults().count == 3)
            #expect(["docs/report.odt", "shared/a", "shared/b", "stale.txt"].map { modificationTime(bed.path($0)) }.elementsEqual(times) {
                $0.tv_sec == $1.tv_sec && $0.tv_nsec == $1.tv_nsec
            })
        }
    }

    @Test func damagedFilesAndAReflinkedPairAreRestoredAndAStaleBackupRefused() throws {
        try TestBed.with { bed in
            let (backup, physical) = try prepare(bed)
            let staleTime = modificationTime(bed.path("stale.txt")), reportTime = modificationTime(bed.path("docs/report.odt"))
            let run = try runTool(["--engine", "sync", "--restore-from", backup, "--yes", bed.mountPoint])
            #expect(run.status == 3, "\(run)")
            let restored = run.stdout.split(separator: "\n").filter { $0.contains(": restored data offset") }
            #expect(restored.count == 2, "\(run)")
            let block = (physical["docs/report.odt"]! - 512) >> 9
            #expect(run.stdout.contains("\(bed.path("docs/report.odt")): restored data offset 65536 length 4096 from \(backup)/docs/report.odt, "
                                        + "reads back identical; data device daddr \(block)-\(block + 7) rewritten in place, reads good"), "\(run)")
            #expect(restored.contains { $0.contains("shared again with") && $0.contains("the block moved to") }, "\(run)")
            #expect(run.stdout.contains("not restored at data offset 16384: backup \(backup)/stale.txt differs at offset 40000; nothing written"))

            // Read back: the restored files are whole and identical to what was written.
            try bed.dropCaches()
            for (relative, size, seed) in [("docs/report.odt", 256 << 10, UInt64(3)), ("shared/a", 1 << 20, 4), ("shared/b", 1 << 20, 4)] {
                let contents = try directContents(bed.path(relative), size: size)
                #expect((try? contents.get()) == patternBytes(count: size, seed: seed), "\(relative): \(contents)")
            }
            // The reflinked pair still shares its blocks, the damaged one included.
            let a = try bed.fileExtents("shared/a"), b = try bed.fileExtents("shared/b")
            #expect(a.map(\.physical) == b.map(\.physical), "\(a) vs \(b)")
            let allShared = a.allSatisfy { $0.isShared }
            #expect(allShared, "\(a)")
            #expect(try bed.physicalOffset("shared/a", fileOffset: 512 << 10) != physical["shared/a"])
            // The file written in place: same sectors, healed by the write.
            #expect(try bed.physicalOffset("docs/report.odt", fileOffset: 64 << 10) + 512 == physical["docs/report.odt"])
            #expect(try bed.data.readDirect(offset: physical["docs/report.odt"]!, length: 512).succeeded)
            #expect(try bed.data.remappedBytes() >= 512)
            #expect(modificationTime(bed.path("docs/report.odt")).tv_sec == reportTime.tv_sec
                    && modificationTime(bed.path("docs/report.odt")).tv_nsec == reportTime.tv_nsec)
            // The stale backup's file: untouched, still damaged.
            #expect(!(try bed.data.readDirect(offset: physical["stale.txt"]!, length: 512).succeeded))
            #expect(modificationTime(bed.path("stale.txt")).tv_sec == staleTime.tv_sec
                    && modificationTime(bed.path("stale.txt")).tv_nsec == staleTime.tv_nsec)

            // What is left is exactly the sector of stale.txt.
            let (after, report) = try scanJSON(bed, ["--engine", "sync"])
            #expect(after.status == 3, "\(after)")
            #expect(report.badRanges.map { DaddrRange($0.startDaddr, $0.endDaddr) } == [DaddrRange(bytes: physical["stale.txt"]!, length: 512)])
        }
    }

    /// The watcher restores too: a reported media error in a file with a
    /// matching backup is verified, named and written back.
    @Test(.enabled(if: WatchHarness.unavailableReason == nil, Comment(rawValue: WatchHarness.unavailableReason ?? "")))
    func theWatcherRestoresWhatItFinds() throws {
        try TestBed.with { bed in
            let (backup, physical) = try prepare(bed)
            let watch = try WatchProcess(bed, ["--engine", "sync", "--no-history", "--restore-from", backup, "--yes"])
            let daddr = physical["docs/report.odt"]! >> 9
            try InjectedEvents.send([.media(daddr: daddr, bbcount: 1)], to: bed)
            try watch.waitFor("the restore") { $0.contains { $0.contains("docs/report.odt: restored data offset 65536 length 4096") } }
            #expect(watch.lines.contains { $0.contains("rewritten in place, reads good") }, "\(watch.output)")
            #expect(try bed.data.readDirect(offset: physical["docs/report.odt"]!, length: 512).succeeded)
            #expect(watch.stop() == 0)
        }
    }
}
