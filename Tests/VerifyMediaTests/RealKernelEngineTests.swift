// The kernel engine on the real XFS_IOC_VERIFY_MEDIA (Linux 7.x, in the guest
// suite): it finds exactly what the io_uring engine finds on the same bed,
// with the same owners, and the kernel's health monitor, read by xfsprogs'
// own `xfs_io -c healthmon`, hears of each bad sector exactly once and of
// the damaged file ranges, and of nothing that reads fine. Faults from the
// FUSE fault disk (EIO) and from scsi_debug's medium errors (ENODATA).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite("RealKernel: the kernel engine on the real XFS_IOC_VERIFY_MEDIA and health monitor", .serialized, .realKernel)
struct RealKernelEngineTests {
    /// A bad range as both engines must report it: where, why, and what it hit.
    struct Finding: Hashable, Comparable, CustomStringConvertible {
        let range: DaddrRange
        let errno: Int32
        let owners: Set<OwnerKey>
        let paths: Set<String>
        static func < (a: Self, b: Self) -> Bool { a.range < b.range }
        var description: String { "\(range) errno \(errno) owners \(owners) paths \(paths.sorted())" }
    }

    func findings(_ report: ScanReport) -> [Finding] {
        report.badRanges.filter { $0.device == "data" }.map { bad in
            Finding(range: bad.daddrs, errno: bad.errno, owners: reportedOwners(bad),
                    paths: Set(bad.owners.flatMap(\.names)))
        }.sorted()
    }

    /// Scans with io_uring, then with the kernel engine while the health
    /// monitor records; checks that both found `expected` (daddr ranges with
    /// `errno`) with the same owners, and returns the kernel scan's events.
    func scanBothEngines(_ bed: TestBed, expected: [DaddrRange], errno: Int32) throws -> (findings: [Finding], events: [HealthEvent]) {
        let (uringRun, uring) = try scanJSON(bed, ["--engine", "uring"])
        #expect(uring.engine == "uring")
        #expect(uringRun.status & 1 == 1, "\(uringRun)")
        #expect(uring.dataBadRanges == expected, "\(uringRun)")
        #expect(uring.badRanges.allSatisfy { $0.errno == errno }, "\(uring.badRanges.map(\.errno))")

        let badSectors = Set(expected.flatMap { Array($0.start..<$0.end) })
        let monitor = try HealthMonitorRecorder(mountPoint: bed.mountPoint)
        defer { monitor.stop() }
        let (kernelRun, kernel) = try scanJSON(bed, ["--engine", "kernel"])
        #expect(kernel.engine == "kernel", "\(kernelRun)")
        #expect(kernelRun.status == uringRun.status, "\(kernelRun)")
        #expect(kernel.dataBadRanges == expected, "\(kernelRun)")
        #expect(findings(kernel) == findings(uring))
        #expect(kernel.summary.badSectors == uring.summary.badSectors)

        let events = try monitor.events(waitingUpTo: .seconds(60), settle: .seconds(2)) { events in
            badSectors.isSubset(of: Set(mediaErrorSectors(events)))
        }
        monitor.stop()
        return (findings(kernel), events)
    }

    /// Every sector named by a MEDIA_ERROR event of the data device, once per event.
    func mediaErrorSectors(_ events: [HealthEvent]) -> [UInt64] {
        events.flatMap { event -> [UInt64] in
            guard case let .mediaError(device, daddr, count) = event, device == "datadev" else { return [] }
            return Array(daddr ..< daddr + count)
        }
    }

    /// One MEDIA_ERROR per bad sector, none elsewhere; a file range event for
    /// each damaged file block (`hits`: inode -> file offsets), none for other files.
    func checkEvents(_ events: [HealthEvent], badSectors: Set<UInt64>, hits: [UInt64: [UInt64]], others: [UInt64]) {
        let reported = mediaErrorSectors(events)
        var times: [UInt64: Int] = [:]
        for sector in reported { times[sector, default: 0] += 1 }
        #expect(Set(times.keys) == badSectors,
                "unreported: \(badSectors.subtracting(times.keys).sorted()); on good sectors: \(Set(times.keys).subtracting(badSectors).sorted()); events: \(events)")
        #expect(times.filter { $0.value > 1 }.isEmpty, "reported more than once: \(times.filter { $0.value > 1 }); events: \(events)")
        #expect(events.allSatisfy { if case .mediaError(let device, _, _) = $0 { device == "datadev" } else { true } }, "\(events)")

        let fileRanges = events.compactMap { event -> (ino: UInt64, range: Range<UInt64>)? in
            guard case let .fileRange(ino, _, pos, length, _) = event else { return nil }
            return (ino, pos ..< pos + length)
        }
        for (ino, offsets) in hits {
            for offset in offsets {
                #expect(fileRanges.contains { $0.ino == ino && $0.range.contains(offset) },
                        "no file range event for inode \(ino) offset \(offset); events: \(events)")
            }
        }
        let strays = fileRanges.filter { others.contains($0.ino) }
        #expect(strays.isEmpty, "file range events for files that read fine: \(strays)")
    }

    @Test("fault disk (EIO): the kernel engine finds what io_uring finds; the health monitor hears each bad sector once")
    func faultDisk() async throws {
        try TestBed.with { bed in
            try bed.writeFile("big", size: 8 << 20, seed: 1)
            try bed.writeFile("small", size: 4096, seed: 2)
            try bed.writeFragmentedFile("fragmented", extents: 8, extentSize: 64 << 10)
            try bed.writeFile("shared", size: 1 << 20, seed: 3)
            try bed.reflink("shared", "shared-copy")
            try bed.writeFile("clean", size: 2 << 20, seed: 4)
            try bed.sync()

            // Faults as (file, file offset, length); the inode chunk sector separately.
            let fragment = try #require(try bed.fileExtents("fragmented").filter { !$0.isUnwritten }.dropFirst(3).first)
            let fileFaults: [(String, UInt64, UInt64)] = [
                ("big", (3 << 20) + 1024, 1024),                 // two sectors of a big file
                ("small", 2048, 512),                            // one sector of a 4 KiB file
                ("fragmented", fragment.fileOffset, fragment.length), // one whole extent of 8
                ("shared", 512 << 10, 512),                      // a reflinked block: two files
            ]
            var faults: [(offset: UInt64, length: UInt64)] = []
            for (file, offset, length) in fileFaults {
                faults.append((try bed.physicalOffset(file, fileOffset: offset), length))
            }
            // The last sector of AG 0's first inode chunk, which holds no inode in use.
            let chunk = try #require(try bed.fsmap().first { $0.owner == "inodes" })
            let files = ["big", "small", "fragmented", "shared", "shared-copy", "clean"]
            let inodes = try Dictionary(uniqueKeysWithValues: files.map { ($0, try bed.inode($0)) })
            #expect(inodes.values.allSatisfy { $0 < chunk.end - 32 }, "\(inodes) vs sector \(chunk.end)")
            faults.append((chunk.end * 512, 512))
            for fault in faults { try bed.data.arm(.eio, offset: fault.offset, length: fault.length) }

            let expected = faults.map { DaddrRange(bytes: $0.offset, length: $0.length) }.sorted()
            let (found, events) = try scanBothEngines(bed, expected: expected, errno: EIO)
            #expect(found.count == expected.count)

            var hits: [UInt64: [UInt64]] = [:]
            for (file, offset, _) in fileFaults { hits[inodes[file]!, default: []].append(offset) }
            hits[inodes["shared-copy"]!] = [512 << 10]
            checkEvents(events, badSectors: Set(expected.flatMap { Array($0.start..<$0.end) }), hits: hits,
                        others: [inodes["clean"]!])
        }
    }

    @Test("scsi_debug medium errors (ENODATA): the same, on a disk whose reads really fail", .scsiDebug)
    func scsiDebugMediumErrors() async throws {
        try await ScsiDebugDisk.with(sizeMiB: 320) { disk in
            try TestBed.with(TestBedOptions(dataDevice: disk.device)) { bed in
                try bed.writeFile("photo", size: 4 << 20, seed: 5)
                try bed.writeFile("note", size: 64 << 10, seed: 6)
                try bed.sync()
                // Eight sectors across a block boundary of the photo: two file blocks.
                let offset: UInt64 = (1 << 20) + 2048
                let start = try bed.physicalOffset("photo", fileOffset: offset) / 512
                #expect(try disk.readDirect(offset: start * 512, length: 4096).succeeded)
                try disk.setMediumErrors(start: start, count: 8)
                let read = try disk.readDirect(offset: start * 512, length: 512)
                #expect(read.errno == ENODATA, "a medium error reads as ENODATA: \(read)")

                let expected = [DaddrRange(start, start + 8)]
                let (_, events) = try scanBothEngines(bed, expected: expected, errno: ENODATA)
                checkEvents(events, badSectors: Set(start ..< start + 8),
                            hits: [try bed.inode("photo"): [offset, (1 << 20) + 4096]], others: [try bed.inode("note")])
                try disk.clearMediumErrors()
            }
        }
    }
}
