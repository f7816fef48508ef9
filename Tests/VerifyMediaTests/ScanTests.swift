// The scan: bad sectors under a mounted XFS are found, and reported as
// exactly the faulted logical sectors, whatever they belong to; scopes,
// errno classes, engines, byte accounting, read-only-ness and the rate cap.
// Every test runs the built binary on a real test bed and reads its JSON.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite(.serialized, .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct ScanTests {
    // MARK: Finding bad sectors exactly

    @Test func badSectorsInFilesAndMetadataAreFoundExactly() throws {
        try TestBed.with { bed in
            try bed.writeFile("big", size: 8 << 20, seed: 2)
            try bed.writeFile("small", size: 4096, seed: 3)
            try bed.writeFragmentedFile("fragmented", extents: 6, extentSize: 64 << 10)
            try bed.writeFile("original", size: 1 << 20, seed: 4)
            try bed.reflink("original", "copy")
            try bed.sync()
            let rows = try bed.fsmap()

            let fragment = try #require(try bed.fileExtents("fragmented").dropFirst(2).first)
            let inodes = try #require(rows.last { $0.owner == "inodes" })
            let faults: [(what: String, offset: UInt64, length: UInt64)] = [
                ("middle of a big file", try bed.physicalOffset("big", fileOffset: 4 << 20 + 3 * 512), 512),
                ("4 KiB file", try bed.physicalOffset("small", fileOffset: 1024), 1024),
                ("one extent of a fragmented file", fragment.physical + 8192, 512),
                ("inode chunk", inodes.start * 512 + 1536, 512),
                ("reflinked extent", try bed.physicalOffset("copy", fileOffset: 256 << 10), 2048),
            ]
            for fault in faults { try bed.data.arm(.eio, offset: fault.offset, length: fault.length) }

            let (run, report) = try scanJSON(bed)
            let expected = faults.map { DaddrRange(bytes: $0.offset, length: $0.length) }.sorted()
            #expect(report.dataBadRanges == expected, "\(faults)\n\(run)")
            for bad in report.badRanges {
                #expect(bad.errno == LinuxErrno.EIO && bad.error == "EIO", "\(bad)")
            }
            #expect(report.complete && report.stopReason == nil)
            let sectors = expected.reduce(0) { $0 + $1.end - $1.start }
            #expect(report.summary.badSectors == sectors)
            #expect(report.data?.badSectors == sectors)
            #expect(report.summary.badRanges == faults.count)
            #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")
            #expect(report.summary.exitStatus == run.status)
            // Every fault was really read.
            let records = try bed.data.faults()
            #expect(records.allSatisfy { $0.failures > 0 }, "\(records)")
        }
    }

    @Test func fourKiBLogicalSectors() throws {
        try TestBed.with(TestBedOptions(logicalSectorSize: 4096)) { bed in
            try bed.writeFile("f", size: 2 << 20)
            try bed.sync()
            // One whole 4 KiB sector, and 512 bytes in the middle of another.
            let whole = try bed.physicalOffset("f", fileOffset: 512 << 10)
            let part = try bed.physicalOffset("f", fileOffset: 1 << 20) + 1024
            try bed.data.arm(.eio, offset: whole, length: 4096)
            try bed.data.arm(.eio, offset: part, length: 512)

            let (run, report) = try scanJSON(bed)
            #expect(report.data?.logicalSectorSize == 4096)
            #expect(report.dataBadRanges == [expectedBad(offset: whole, length: 4096, sectorSize: 4096),
                                             expectedBad(offset: part, length: 512, sectorSize: 4096)].sorted(), "\(run)")
            #expect(report.dataBadRanges.allSatisfy { $0.bytes == 4096 && $0.start % 8 == 0 })
            // The owner is the whole 4 KiB sector of the file.
            let owner = report.badRange(expectedBad(offset: part, length: 512, sectorSize: 4096))?.owners.first
            #expect(owner?.fileOffset == 1 << 20 && owner?.length == 4096, "\(String(describing: owner))")
            #expect(run.status == ExitBit.media | ExitBit.fileData)
        }
    }

    @Test func separateFaultsStaySeparateAndAdjacentOnesMerge() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 4 << 20)
            try bed.sync()
            let base = try bed.physicalOffset("f", fileOffset: 1 << 20)
            #expect(try bed.physicalOffset("f", fileOffset: 2 << 20 - 4096) == base + (1 << 20) - 4096, "one extent")
            // Four separate faults in one 1 MiB region, each its own range...
            let separate: [(UInt64, UInt64)] = [(4096, 512), (64 << 10, 1024), (512 << 10 + 512, 512), (1 << 20 - 512, 512)]
            for (offset, length) in separate { try bed.data.arm(.eio, offset: base + offset, length: length) }
            // ...and two adjacent ones (armed separately) that are one range.
            try bed.data.arm(.eio, offset: base + 768 << 10, length: 512)
            try bed.data.arm(.eio, offset: base + 768 << 10 + 512, length: 1024)

            let (run, report) = try scanJSON(bed)
            let expected = (separate.map { DaddrRange(bytes: base + $0.0, length: $0.1) }
                + [DaddrRange(bytes: base + 768 << 10, length: 1536)]).sorted()
            #expect(report.dataBadRanges == expected, "\(run)")
            #expect(report.summary.badSectors == expected.reduce(0) { $0 + $1.end - $1.start })
        }
    }

    // MARK: Scopes

    @Test func freeSpaceIsScannedOnlyWithDeviceScope() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 1 << 20)
            // Its deleted filler blocks leave 4 KiB of free space between its extents.
            try bed.writeFragmentedFile("fragmented", extents: 4, extentSize: 16 << 10)
            try bed.sync()
            let map = try bed.fsmap()
            let free = try fsmapRow(map, "free space", atLeast: 8 << 20)
            let fault = free.start * 512 + 4 << 20
            try bed.data.arm(.eio, offset: fault, length: 512)
            let first = try #require(try bed.fileExtents("fragmented").first)
            let gap = first.physical + first.length + 1024
            let gapRows = try fsmapRows(bed, DaddrRange(bytes: gap, length: 512))
            #expect(gapRows.map(\.owner) == ["free space"], "not a free gap: \(gapRows)")
            try bed.data.arm(.eio, offset: gap, length: 512)

            let (run, report) = try scanJSON(bed)
            #expect(report.badRanges.isEmpty && report.complete, "\(run)")
            // Out of scope and still unreadable: not flaky either.
            #expect((report.flakyRanges ?? []).isEmpty && report.unverifiedRanges.isEmpty, "\(run)")
            #expect(run.status == 0)
            #expect(try bed.data.faults().first?.reads == 0, "the default scope read free space")

            let (deviceRun, device) = try scanJSON(bed, ["--scope", "device"])
            #expect(device.scope == "device")
            #expect(device.dataBadRanges == [DaddrRange(bytes: fault, length: 512), DaddrRange(bytes: gap, length: 512)].sorted(),
                    "\(deviceRun)")
            #expect(device.badRanges.allSatisfy { $0.owners.map(\.type) == ["free"] }, "\(deviceRun)")
            #expect(device.data?.bytesPlanned == bed.options.size)
            #expect(deviceRun.status == ExitBit.media, "free space damage is not data loss: \(deviceRun)")
        }
    }

    @Test func unwrittenExtentsAreSkippedByDefault() throws {
        try TestBed.with { bed in
            try bed.run(["xfs_io", "-f", "-c", "falloc 0 4m", "-c", "pwrite -S 0x5a 0 64k", bed.path("prealloc")]).check()
            try bed.sync()
            let fault = try #require(try bed.fileExtents("prealloc").first { $0.isUnwritten && $0.length >= 1 << 20 })
            try bed.data.arm(.eio, offset: fault.physical + 512 << 10, length: 512)
            let (run, report) = try scanJSON(bed)
            #expect(report.badRanges.isEmpty && run.status == 0, "\(run)")
        }
    }

    @Test func dataScopeSkipsMetadata() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 1 << 20)
            try bed.sync()
            let rows = try bed.fsmap()
            let inodes = try #require(rows.last { $0.owner == "inodes" })
            let metadataFault = DaddrRange(inodes.start + 2, inodes.start + 3)
            let fileFault = DaddrRange(bytes: try bed.physicalOffset("f", fileOffset: 128 << 10), length: 512)
            for fault in [metadataFault, fileFault] {
                try bed.data.arm(.eio, offset: fault.start * 512, length: fault.bytes)
            }

            let (dataRun, data) = try scanJSON(bed, ["--scope", "data"])
            #expect(data.scope == "data")
            #expect(data.dataBadRanges == [fileFault], "\(dataRun)")
            #expect(dataRun.status == ExitBit.media | ExitBit.fileData)
            // Written file data only: less than everything allocated (the log, inodes...), at least the file.
            let planned = try #require(data.data?.bytesPlanned)
            #expect(planned >= 1 << 20 && planned < allocatedBytes(rows), "\(planned)")

            let (run, all) = try scanJSON(bed)
            #expect(all.dataBadRanges == [metadataFault, fileFault].sorted(), "\(run)")
        }
    }

    // MARK: Errno classes

    @Test func flakySectorsAreNotBad() throws {
        try TestBed.with { bed in
            // The first file of AG 0 shares its 1 MiB chunk with the AG headers and the
            // inode chunk (several in-scope pieces); the big file's middle is a chunk of its own.
            try bed.writeFile("first", size: 1 << 20)
            try bed.writeFile("big", size: 8 << 20, seed: 2)
            try bed.sync()
            let faults = [try bed.physicalOffset("first", fileOffset: 256 << 10),
                          try bed.physicalOffset("big", fileOffset: 4 << 20 + 4096)]
            for fault in faults { try bed.data.arm(.flaky(failures: 1), offset: fault, length: 512) }

            let (run, report) = try scanJSON(bed)
            #expect(try bed.data.faults().map(\.failures) == [1, 1], "the flaky sectors were not both read")
            #expect(report.badRanges.isEmpty, "\(run)")
            let flaky = report.flakyRanges ?? []
            for fault in faults {
                #expect(flaky.contains { $0.device == "data" && $0.daddrs.byteRange.contains(fault) },
                        "no flaky range holds byte \(fault) (daddr \(fault / 512)): \(flaky.map(\.daddrs))")
            }
            #expect(report.summary.flakyRanges == flaky.count)
            #expect(run.status & ExitBit.media == 0 && run.status & ExitBit.fileData == 0, "\(run)")
            #expect(report.complete)
        }
    }

    @Test func slowSectorsDoNotStopTheScan() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 2 << 20)
            try bed.sync()
            for offset: UInt64 in [128 << 10, 1 << 20] {
                try bed.data.arm(.slow(milliseconds: 300), offset: try bed.physicalOffset("f", fileOffset: offset), length: 512)
            }
            let (run, report) = try scanJSON(bed)
            #expect(try bed.data.faults().allSatisfy { $0.reads > 0 }, "the slow sectors were never read")
            #expect(report.complete && run.status == 0, "\(run)")
            #expect(report.badRanges.isEmpty && report.unverifiedRanges.isEmpty && (report.flakyRanges ?? []).isEmpty)
        }
    }

    @Test func enodataAndEilseqAreBadSectors() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 2 << 20)
            try bed.sync()
            let enodata = DaddrRange(bytes: try bed.physicalOffset("f", fileOffset: 256 << 10), length: 1024)
            let eilseq = DaddrRange(bytes: try bed.physicalOffset("f", fileOffset: 1 << 20), length: 512)
            try bed.data.arm(.errno("ENODATA"), offset: enodata.start * 512, length: enodata.bytes)
            try bed.data.arm(.errno("EILSEQ"), offset: eilseq.start * 512, length: eilseq.bytes)

            let (run, report) = try scanJSON(bed)
            #expect(report.dataBadRanges == [enodata, eilseq], "\(run)")
            let a = report.badRange(enodata), b = report.badRange(eilseq)
            #expect(a?.errno == LinuxErrno.ENODATA && a?.error == "ENODATA", "\(String(describing: a))")
            #expect(b?.errno == LinuxErrno.EILSEQ && b?.error == "EILSEQ", "\(String(describing: b))")
            #expect(run.status == ExitBit.media | ExitBit.fileData)
        }
    }

    @Test func transportErrorIsUnverifiedNotBad() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 2 << 20)
            try bed.writeFile("g", size: 1 << 20, seed: 5)
            try bed.sync()
            let inScope = allocatedBytes(try bed.fsmap())
            let fault = try bed.physicalOffset("f", fileOffset: 512 << 10)
            try bed.data.arm(.errno("ETIMEDOUT"), offset: fault, length: 512)
            // A real bad sector elsewhere is still found.
            let bad = DaddrRange(bytes: try bed.physicalOffset("g", fileOffset: 4096), length: 512)
            try bed.data.arm(.eio, offset: bad.start * 512, length: 512)

            let (run, report) = try scanJSON(bed)
            #expect(report.complete, "the scan stopped: \(run)")
            #expect(report.dataBadRanges == [bad], "\(run)")
            let unverified = report.unverifiedRanges
            #expect(unverified.contains { $0.device == "data" && $0.daddrs.byteRange.contains(fault) }, "\(run)")
            #expect(unverified.allSatisfy { $0.reason == "transport" && $0.errno == LinuxErrno.ETIMEDOUT && $0.error == "ETIMEDOUT" })
            #expect(report.summary.unverifiedRanges == unverified.count)
            #expect(run.status == ExitBit.media | ExitBit.fileData | ExitBit.operational, "\(run)")
            // What could not be verified is not counted as verified.
            let unverifiedBytes = unverified.reduce(0) { $0 + $1.daddrs.bytes }
            #expect(report.summary.bytesVerified == inScope - bad.bytes - unverifiedBytes)
        }
    }

    // MARK: Engines

    @Test(arguments: ["uring", "aio", "sync"])
    func enginesFindTheSameBadRanges(engine: String) throws {
        try TestBed.with { bed in
            try bed.writeFile("big", size: 4 << 20)
            try bed.writeFile("small", size: 4096, seed: 9)
            try bed.sync()
            let inodes = try #require(try bed.fsmap().last { $0.owner == "inodes" })
            let faults = [DaddrRange(bytes: try bed.physicalOffset("big", fileOffset: 3 << 20 + 512), length: 1536),
                          DaddrRange(bytes: try bed.physicalOffset("small", fileOffset: 0), length: 4096),
                          DaddrRange(inodes.start + 9, inodes.start + 10)].sorted()
            for fault in faults { try bed.data.arm(.eio, offset: fault.start * 512, length: fault.bytes) }

            let (run, report) = try scanJSON(bed, ["--engine", engine])
            #expect(report.engine == engine, "\(run)")
            #expect(report.dataBadRanges == faults, "\(run)")
            #expect(report.complete && run.status == ExitBit.media | ExitBit.fileData, "\(run)")
        }
    }

    // MARK: Accounting

    @Test func bytesVerifiedIsInScopeMinusBad() throws {
        try TestBed.with { bed in
            try bed.writeFile("a/one", size: 3 << 20)
            try bed.writeFile("two", size: 12345, seed: 2)
            try bed.writeFragmentedFile("three", extents: 4, extentSize: 16 << 10)
            try bed.run(["xfs_io", "-f", "-c", "falloc 0 2m", "-c", "pwrite 0 8k", bed.path("prealloc")]).check()
            try bed.sync()
            let rows = try bed.fsmap()
            let inScope = allocatedBytes(rows) - (try unwrittenBytes(bed))

            let (cleanRun, clean) = try scanJSON(bed)
            #expect(clean.summary.bytesVerified == inScope, "\(cleanRun)")
            #expect(clean.data?.bytesPlanned == inScope && clean.data?.bytesVerified == inScope)
            #expect(clean.summary.bytesRead >= clean.summary.bytesVerified)

            let inodes = try #require(rows.first { $0.owner == "inodes" })
            let faults = [DaddrRange(bytes: try bed.physicalOffset("a/one", fileOffset: 1 << 20), length: 4096),
                          DaddrRange(bytes: try bed.physicalOffset("two", fileOffset: 8192), length: 512),
                          DaddrRange(inodes.start + 20, inodes.start + 22)].sorted()
            for fault in faults { try bed.data.arm(.eio, offset: fault.start * 512, length: fault.bytes) }
            let (run, report) = try scanJSON(bed)
            #expect(report.dataBadRanges == faults, "\(run)")
            let badBytes = faults.reduce(0) { $0 + $1.bytes }
            #expect(report.summary.bytesVerified == inScope - badBytes, "in scope \(inScope), bad \(badBytes)")
            #expect(report.data?.bytesVerified == inScope - badBytes)
            #expect(report.data?.bytesPlanned == inScope)
            #expect(report.summary.bytesRead >= report.summary.bytesVerified)
        }
    }

    // MARK: Read-only

    @Test func scanModifiesNothing() throws {
        try TestBed.with { bed in
            let files: [(String, Int, UInt64)] = [("a/b/one", 3 << 20, 11), ("two", 4096, 12), ("three", 777_777, 13)]
            for (name, size, seed) in files { try bed.writeFile(name, size: size, seed: seed) }
            try bed.sync()
            func stamps() throws -> [String] {
                try files.map { name, _, _ in
                    var st = stat()
                    guard stat(bed.path(name), &st) == 0 else { throw TestBedError("stat \(name)") }
                    return "\(name) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec) \(st.st_ctim.tv_sec).\(st.st_ctim.tv_nsec)"
                }
            }
            let before = try stamps()
            try bed.data.arm(.eio, offset: try bed.physicalOffset("a/b/one", fileOffset: 1 << 20), length: 512)

            // Frozen, the filesystem writes nothing itself: any write would be the scan's.
            try bed.run(["xfs_freeze", "-f", bed.mountPoint]).check()
            let written: UInt64
            let run: ToolRun
            do {
                defer { _ = try? bed.run(["xfs_freeze", "-u", bed.mountPoint]) }
                written = try sectorsWritten(bed.data.device)
                run = try runTool(["--json", bed.mountPoint], timeout: .seconds(120))
                #expect(try sectorsWritten(bed.data.device) == written, "the scan wrote to the device")
            }
            #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")

            // And unfrozen too: contents (read back from the device) and timestamps unchanged.
            let again = try runTool(["--json", "--scope", "device", bed.mountPoint])
            #expect(again.status == ExitBit.media | ExitBit.fileData, "\(again)")
            try bed.data.clearFaults()
            try bed.dropCaches()
            for (name, size, seed) in files {
                #expect(try readWholeFile(bed.path(name)) == patternBytes(count: size, seed: seed), "\(name) changed")
            }
            #expect(try stamps() == before)
        }
    }

    // MARK: Rate

    @Test func rateCapSlowsTheScan() throws {
        try TestBed.with { bed in
            try bed.writeFile("bulk", size: 44 << 20)
            try bed.sync()
            let inScope = allocatedBytes(try bed.fsmap())
            #expect(inScope >= 100 << 20, "\(inScope) bytes in scope")
            let clock = ContinuousClock()
            let start = clock.now
            let (run, report) = try scanJSON(bed, ["--rate", "20M"])
            let elapsed = clock.now - start
            #expect(report.complete && run.status == 0, "\(run)")
            // 100+ MiB at 20 MiB/s: at least ~5 s; a loose lower bound only.
            #expect(elapsed >= .milliseconds(4500), "took \(elapsed)")
        }
    }
}
