// Verifying ranges a caller names (the watcher: a range the health monitor
// reported; --recheck: ranges the history knows): the library entry point
// `Scanner(filesystem:ranges:...)`, on a real test bed, in process.
import Foundation
import Testing
import TestBed
@testable import VerifyMedia

@Suite("Verifying named ranges: only those are read, pinpointed and owned", .serialized,
       .enabled(if: TestBed.unavailableReason == nil, "needs the test bed: \(TestBed.unavailableReason ?? "")"))
struct RangeScanTests {
    @Test("a range ± 1 MiB around a reported sector: its bad sector found, named, nothing else read")
    func reportedRange() throws {
        try TestBed.with { bed in
            try bed.writeFile("hit", size: 4 << 20, seed: 1)
            try bed.writeFile("elsewhere", size: 4 << 20, seed: 2)
            try bed.sync()
            let bad = try bed.physicalOffset("hit", fileOffset: 2 << 20) + 1024
            let other = try bed.physicalOffset("elsewhere", fileOffset: 1 << 20)
            try bed.data.arm(.eio, offset: bad, length: 512)
            try bed.data.arm(.eio, offset: other, length: 512)
            try bed.data.resetCounters()

            let filesystem = try FilesystemProbe.probe(bed.mountPoint)
            let data = try #require(filesystem.devices.first { $0.role == .data })
            let maxSectorsKiB = try String(contentsOfFile: "\(data.sysfsPath)/queue/max_sectors_kb", encoding: .utf8)
            #expect(data.maxRequestBytes == UInt64(maxSectorsKiB.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 << 10 },
                    "the largest request, which tells which failed reads one request may have joined")
            let around = ByteRange(bad - (1 << 20), bad + (1 << 20))
            let scanner = try Scanner(filesystem: filesystem, ranges: [DeviceRange(.data, around)], options: ScanOptions(),
                                      engine: .uring)
            let result = scanner.run()
            #expect(result.complete)
            #expect(result.badRanges.map(\.range) == [ByteRange(bad, bad + 512)])
            #expect(result.devices.first?.bytesVerified == around.count - 512, "the range is allocated whole: file data")
            // File data outside the range is not read (XFS may read its own metadata meanwhile).
            let reads = try bed.data.readMap()
            var outside: [Int] = []
            for extent in try bed.fileExtents("hit") + bed.fileExtents("elsewhere") {
                for sector in Int(extent.physical / 512)..<Int((extent.physical + extent.length) / 512)
                where reads[sector] > 0 && !around.overlaps(ByteRange(UInt64(sector) * 512, UInt64(sector + 1) * 512)) {
                    outside.append(sector)
                }
            }
            #expect(outside.isEmpty, "file data read outside the range: sectors \(outside.prefix(10))")

            let owned = OwnerResolver(filesystem: filesystem).resolve(result.badRanges).ranges
            let names = owned.flatMap(\.owners).compactMap { owner -> String? in
                if case .file(let file) = owner { file.paths.first.map { "\($0)" } } else { nil }
            }
            #expect(names.contains { $0.hasSuffix("/hit") }, "\(owned)")
        }
    }

    @Test("free space in a range is read only with --scope device; ranges of a device the filesystem lacks are refused")
    func scopeAndDevices() throws {
        try TestBed.with { bed in
            try bed.writeFile("f", size: 1 << 20)
            try bed.sync()
            let free = try fsmapRow(try bed.fsmap(), "free space", atLeast: 8 << 20)
            let fault = free.start * 512 + (2 << 20)
            try bed.data.arm(.eio, offset: fault, length: 512)
            let filesystem = try FilesystemProbe.probe(bed.mountPoint)
            let range = DeviceRange(.data, ByteRange(fault - (1 << 20), fault + (1 << 20)))

            let allocated = try Scanner(filesystem: filesystem, ranges: [range], options: ScanOptions(), engine: .sync).run()
            #expect(allocated.badRanges.isEmpty && allocated.complete)
            #expect(allocated.devices.first?.bytesPlanned == 0, "free space is not in scope")

            var wholeDevice = ScanOptions()
            wholeDevice.scope = .device
            let device = try Scanner(filesystem: filesystem, ranges: [range], options: wholeDevice, engine: .sync).run()
            #expect(device.badRanges.map(\.range) == [ByteRange(fault, fault + 512)])

            #expect(throws: VerifyMediaError.self) {
                try Scanner(filesystem: filesystem, ranges: [DeviceRange(.log, ByteRange(0, 4096))], options: ScanOptions(), engine: .sync)
            }
        }
    }
}
