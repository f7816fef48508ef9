// Realtime devices on the real kernel (Linux 7.x, in the guest suite): a
// classic rt device (no groups, no reverse mapping), realtime groups with
// reverse mapping on an rt device, and a zoned filesystem whose rt section
// lives on the data device from rtstart on. For each: sectors made
// unreadable in rt file data (and in metadata), scanned with the kernel
// engine and with io_uring; both must find exactly those sectors, on the
// right device, at daddrs a user can read back from that block device, name
// the files and offsets hit, read everything in scope (complete), and the
// kernel's health monitor (xfsprogs' `xfs_io healthmon`) must hear of each
// bad rt sector once, on its rt device.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite("RealKernel: realtime devices, realtime groups and zoned rt sections", .serialized, .realKernel)
struct RealKernelRealtimeTests {
    /// A fault to arm and what the scan must say about it.
    struct Fault {
        /// "data" or "rt": the device of the report.
        let device: String
        /// Bytes from the start of the block device the fault disk serves.
        let offset: UInt64
        let length: UInt64
        /// The owner the report must give.
        let owner: OwnerKey
        /// The path the report must give a file owner.
        var path: String? = nil
        var range: DaddrRange { DaddrRange(bytes: offset, length: length) }
    }

    /// What one engine reported, reduced to what both must agree on.
    struct Finding: Hashable, Comparable, CustomStringConvertible {
        let device: String
        let range: DaddrRange
        let owners: Set<OwnerKey>
        let paths: Set<String>
        static func < (a: Self, b: Self) -> Bool { (a.device, a.range) < (b.device, b.range) }
        var description: String { "\(device) \(range) \(owners) \(paths.sorted())" }
    }

    static func findings(_ report: ScanReport) -> [Finding] {
        report.badRanges.map { bad in
            Finding(device: bad.device, range: bad.daddrs, owners: reportedOwners(bad), paths: Set(bad.owners.flatMap(\.names)))
        }.sorted()
    }

    /// Arms `faults`, scans with io_uring and then with the kernel engine
    /// while the health monitor records, and checks both reports and the
    /// events. `rtBytes`: the bytes of rt file data (all of it in scope);
    /// `fileEvents`: whether the kernel can name damaged files (rmapbt).
    /// Returns the kernel engine's report.
    @discardableResult
    func scanBothEngines(_ bed: TestBed, faults: [Fault], faultDisk: (Fault) -> TestDisk, rtBytes: UInt64,
                         fileEvents: Bool) throws -> ScanReport {
        for fault in faults { try faultDisk(fault).arm(.eio, offset: fault.offset, length: fault.length) }
        let expected = faults.map { fault in
            Finding(device: fault.device, range: fault.range, owners: [fault.owner], paths: fault.path.map { [bed.path($0)] } ?? [])
        }.sorted()
        let badBytes = faults.filter { $0.device == "rt" }.reduce(0) { $0 + $1.range.bytes }

        let (uringRun, uring) = try scanJSON(bed, ["--engine", "uring"])
        let monitor = try HealthMonitorRecorder(mountPoint: bed.mountPoint)
        defer { monitor.stop() }
        let (kernelRun, kernel) = try scanJSON(bed, ["--engine", "kernel"])
        for (run, report, engine) in [(uringRun, uring, "uring"), (kernelRun, kernel, "kernel")] {
            #expect(report.engine == engine, "\(run)")
            #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")
            #expect(report.complete, "\(run)")
            #expect(Self.findings(report) == expected, "\(engine): \(run)")
            let rt = try #require(report.devices.first { $0.role == "rt" }, "\(run)")
            #expect(rt.bytesPlanned == rtBytes, "\(engine): rt data planned")
            #expect(rt.bytesVerified == rtBytes - badBytes, "\(engine): rt data verified")
        }

        // The kernel heard of each bad sector once, on its device, and of nothing else.
        let bad = Set(faults.flatMap { fault in (fault.range.start..<fault.range.end).map { HealthSector(device: fault.device, daddr: $0) } })
        let events = try monitor.events(waitingUpTo: .seconds(60), settle: .seconds(2)) { events in
            bad.isSubset(of: Set(Self.mediaErrorSectors(events)))
        }
        monitor.stop()
        let reported = Self.mediaErrorSectors(events)
        #expect(Set(reported) == bad, "events: \(events)")
        #expect(reported.count == bad.count, "a sector reported more than once: \(events)")
        if fileEvents {
            for fault in faults {
                guard case let .file(inode, "data", offset?, _) = fault.owner else { continue }
                #expect(events.contains { event in
                    if case let .fileRange(ino, _, pos, length, _) = event { ino == inode && (pos..<pos + length).contains(offset) } else { false }
                }, "no file range event for inode \(inode) offset \(offset): \(events)")
            }
        }
        return kernel
    }

    struct HealthSector: Hashable { let device: String; let daddr: UInt64 }

    /// The sectors of MEDIA_ERROR events, with the report's device names.
    static func mediaErrorSectors(_ events: [HealthEvent]) -> [HealthSector] {
        events.flatMap { event -> [HealthSector] in
            guard case let .mediaError(device, daddr, count) = event else { return [] }
            let role = ["datadev": "data", "rtdev": "rt", "logdev": "log"][device] ?? device
            return (daddr..<daddr + count).map { HealthSector(device: role, daddr: $0) }
        }
    }

    /// A fault in `file` at `fileOffset` (its data, on the device FIEMAP names).
    static func fileFault(_ bed: TestBed, _ file: String, at fileOffset: UInt64, length: UInt64, device: String = "rt") throws -> Fault {
        Fault(device: device, offset: try bed.physicalOffset(file, fileOffset: fileOffset), length: length,
              owner: .file(inode: try bed.inode(file), fork: "data", offset: fileOffset, length: length), path: file)
    }

    /// Writes `files` (name, size; contents seeded 1, 2, ...), syncs, and returns their names.
    static func writeFiles(_ bed: TestBed, _ files: [(String, Int)]) throws -> [String] {
        for (index, (name, size)) in files.enumerated() { try bed.writeFile(name, size: size, seed: UInt64(index + 1)) }
        try bed.sync()
        return files.map(\.0)
    }

    /// The bytes `files` hold on their device (every mapped extent).
    static func mappedBytes(_ bed: TestBed, _ files: [String]) throws -> UInt64 {
        try files.reduce(0) { total, file in
            let extents = try bed.fileExtents(file)
            #expect(extents.allSatisfy { !$0.isUnwritten }, "\(file): \(extents)")
            return total + extents.reduce(0) { $0 + $1.length }
        }
    }

    /// The last sector of AG 0's first inode chunk: its cluster holds no inode in use.
    static func unusedInodeSector(_ rows: [FsmapRow], inodes: [UInt64]) throws -> UInt64 {
        let chunk = try #require(rows.first { $0.owner == "inodes" })
        #expect(inodes.allSatisfy { $0 < chunk.end - 32 }, "\(inodes) vs sector \(chunk.end)")
        return chunk.end
    }

    @Test("a classic rt device (no groups, no rmapbt): rt faults found, files named from their extent maps")
    func classicRealtimeDevice() throws {
        try #require(TestBed.realtimeUnavailableReason == nil, "\(TestBed.realtimeUnavailableReason ?? "")")
        // xfsprogs 6.1 of this machine: a realtime device without groups.
        try TestBed.with(TestBedOptions(mkfsOptions: ["-d", "rtinherit=1"], realtimeSize: 128 << 20)) { bed in
            let rt = try #require(bed.realtime)
            let files = try Self.writeFiles(bed, [("video", 8 << 20), ("docs/letter", 64 << 10), ("clean", 1 << 20)])
            let faults = [try Self.fileFault(bed, "video", at: (3 << 20) + 1024, length: 1024),
                          try Self.fileFault(bed, "docs/letter", at: 4096, length: 512)]
            // The file data really is where the report will point on the rt device.
            let read = try rt.readDirect(offset: faults[0].offset - 1024, length: 4096)
            #expect(read.data == patternBytes(offset: 3 << 20, count: 4096, seed: 1), "\(read)")
            try scanBothEngines(bed, faults: faults, faultDisk: { _ in rt }, rtBytes: try Self.mappedBytes(bed, files),
                                fileEvents: false)
        }
    }

    @Test("realtime groups with rmapbt: one lane per group, owners from the rt reverse mapping, the rt superblock named")
    func realtimeGroups() throws {
        try #require(SidUserland.unavailableReason == nil, "\(SidUserland.unavailableReason ?? "")")
        let options = TestBedOptions(mkfsOptions: ["-d", "rtinherit=1", "-m", "metadir=1,rmapbt=1", "-r", "rgsize=16m"],
                                     realtimeSize: 128 << 20, mkfsProgram: SidUserland.mkfs)
        try TestBed.with(options) { bed in
            let rt = try #require(bed.realtime)
            let files = try Self.writeFiles(bed, [("a", 20 << 20), ("b", 20 << 20), ("c", 1 << 20)])
            var faults = [try Self.fileFault(bed, "a", at: 1 << 20, length: 512),
                          try Self.fileFault(bed, "b", at: (12 << 20) + 4096, length: 4096),
                          try Self.fileFault(bed, "c", at: 0, length: 1024)]
            // The rt superblock: static fs metadata of rt group 0.
            faults.append(Fault(device: "rt", offset: 0, length: 512, owner: .metadata("fs")))
            let groups = Set(faults.map { $0.offset / (16 << 20) })
            #expect(groups.count >= 2, "faults in one rt group only: \(faults.map(\.offset))")
            let kernel = try scanBothEngines(bed, faults: faults, faultDisk: { _ in rt },
                                             rtBytes: try Self.mappedBytes(bed, files) + 4096, fileEvents: true)
            let superblock = try #require(kernel.badRange(DaddrRange(0, 1), device: "rt"))
            #expect(superblock.owners.map(\.rtgroup) == [0], "\(superblock)")

            // One lane per rt group (8 of 16 MiB), each group read where it holds data.
            try rt.clearFaults()
            let bench = try runTool(["--engine", "uring", "--bench", "--json", bed.mountPoint])
            let lanes = try #require(try bench.jsonObject()["lanes"] as? [[String: Any]], "\(bench)")
            let rtLanes = lanes.filter { $0["device"] as? String == "rt" }
            #expect(rtLanes.compactMap { $0["lane"] as? String } == (0..<8).map { "rtgroup \($0)" }, "\(rtLanes)")
            for group in groups {
                #expect((rtLanes[Int(group)]["bytes_read"] as? NSNumber)?.uint64Value ?? 0 > 0, "rtgroup \(group) not read")
            }
        }
    }

    @Test("a zoned filesystem with its rt section on the data device: rt daddrs are those of the disk, both sections read")
    func zonedInternalRealtimeSection() throws {
        try #require(SidUserland.unavailableReason == nil, "\(SidUserland.unavailableReason ?? "")")
        let options = TestBedOptions(size: 1 << 30, mkfsOptions: ["-r", "zoned=1,rgsize=32m"], mkfsProgram: SidUserland.mkfs)
        try TestBed.with(options) { bed in
            let files = try Self.writeFiles(bed, [("a", 24 << 20), ("b", 24 << 20), ("c", 24 << 20)])
            // FIEMAP gives rt extents of a zoned filesystem as offsets of the disk.
            var faults = [try Self.fileFault(bed, "b", at: (20 << 20) + 512, length: 512),
                          try Self.fileFault(bed, "c", at: 0, length: 4096)]
            let read = try bed.data.readDirect(offset: faults[1].offset, length: 4096)
            #expect(read.data == patternBytes(offset: 0, count: 4096, seed: 3), "c's data is not where FIEMAP says: \(read)")
            // A sector of the data section: metadata, on the data device.
            let rows = FsmapRow.parse(fsmap: try SidUserland.run("xfs_io", ["-r", "-c", "fsmap -d", bed.mountPoint]).check().stdout)
            let inodeSector = try Self.unusedInodeSector(rows, inodes: try files.map { try bed.inode($0) })
            faults.append(Fault(device: "data", offset: inodeSector * 512, length: 512, owner: .metadata("inodes")))

            let kernel = try scanBothEngines(bed, faults: faults, faultDisk: { _ in bed.data },
                                             rtBytes: try Self.mappedBytes(bed, files), fileEvents: true)
            // Both sections are parts of the one disk, the rt one from rtstart on.
            let data = try #require(kernel.devices.first { $0.role == "data" })
            let rt = try #require(kernel.devices.first { $0.role == "rt" })
            #expect(data.path == rt.path && data.path == bed.data.device)
            #expect(data.sectionStartDaddr == 0 && data.sectionEndDaddr == rt.sectionStartDaddr)
            #expect(rt.sectionEndDaddr == (1 << 30) / 512)
            #expect(kernel.badRanges.filter { $0.device == "rt" }.allSatisfy { $0.startDaddr >= rt.sectionStartDaddr ?? .max })

            // The whole disk: each section once, nothing read twice or left out.
            try bed.data.clearFaults()
            try faults.forEach { try bed.data.arm(.eio, offset: $0.offset, length: $0.length) }
            let (run, whole) = try scanJSON(bed, ["--engine", "uring", "--scope", "device"])
            #expect(whole.complete, "\(run)")
            #expect(Set(Self.findings(whole).map(\.range)) == Set(faults.map(\.range)), "\(run)")
            #expect(whole.devices.map(\.bytesPlanned).reduce(0, +) == 1 << 30, "\(run)")
        }
    }

    @Test("a zoned rt disk whose zones hold less than their size: the groups past the kernel's space map are read too",
          .scsiDebug)
    func zoneGapsPastTheKernelsSpaceMap() async throws {
        try #require(SidUserland.unavailableReason == nil, "\(SidUserland.unavailableReason ?? "")")
        // 16 zones of 8 MiB holding 6 MiB each: rt groups at 8 MiB steps, while
        // the kernel maps and verifies the rt device only up to 16 x 6 MiB.
        let zoned = ["zbc=managed", "zone_size_mb=8", "zone_cap_mb=6", "zone_nr_conv=0"]
        try await ScsiDebugDisk.with(sizeMiB: 128, parameters: zoned) { disk in
            let options = TestBedOptions(mkfsOptions: [], faultDisk: false, mkfsProgram: SidUserland.mkfs,
                                         realtimeDevice: disk.device)
            try TestBed.with(options) { bed in
                let horizon: UInt64 = 16 * (6 << 20)
                // Zoned XFS fills zones in order; freed space comes back only
                // through garbage collection, which moves live data into the
                // zones it keeps in reserve: the last ones.
                var files: [String] = []
                var beyond: (file: String, extent: FileExtent)?
                for cycle in 0..<6 where beyond == nil {
                    for index in 0..<64 {
                        let name = "f\(cycle)-\(index)"
                        do {
                            try bed.writeFile(name, size: 4 << 20, seed: UInt64(cycle * 64 + index))
                            files.append(name)
                        } catch {
                            unlink(bed.path(name))
                            break
                        }
                    }
                    for name in files.enumerated().filter({ $0.offset % 2 == 0 }).map(\.element) { unlink(bed.path(name)) }
                    files = files.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                    try bed.sync()
                    for file in files {
                        if let extent = try bed.fileExtents(file).first(where: { $0.physical >= horizon && $0.length >= 8192 }) {
                            beyond = (file, extent)
                            break
                        }
                    }
                }
                let (file, extent) = try #require(beyond, "no file data past \(horizon) after 6 cycles")
                let start = extent.physical / 512 + 8
                try disk.setMediumErrors(start: start, count: 8)
                let fileOffset = extent.fileOffset + 8 * 512
                let expected = Finding(device: "rt", range: DaddrRange(start, start + 8),
                                       owners: [.file(inode: try bed.inode(file), fork: "data", offset: fileOffset, length: 4096)],
                                       paths: [bed.path(file)])
                let mapped = try Self.mappedBytes(bed, files)
                for engine in ["uring", "kernel"] {
                    let (run, report) = try scanJSON(bed, ["--engine", engine])
                    #expect(report.engine == engine, "\(run)")
                    #expect(report.complete, "\(run)")
                    #expect(Self.findings(report) == [expected], "\(engine): \(run)")
                    let rt = try #require(report.devices.first { $0.role == "rt" })
                    #expect(rt.bytesPlanned >= mapped, "\(engine): rt data planned \(rt.bytesPlanned) of \(mapped)")
                }
                // The whole rt device: each zone up to its write pointer, nothing past it.
                let (run, whole) = try scanJSON(bed, ["--engine", "uring", "--scope", "device", "--device", "rt"])
                #expect(whole.complete && whole.unverifiedRanges.isEmpty, "\(run)")
                #expect(Self.findings(whole).map(\.range) == [expected.range], "\(run)")
                try disk.clearMediumErrors()
            }
        }
    }
}
