// Who was hit: the owners the report names for each bad range are what the
// space map (`xfs_io -r -c 'fsmap -d START END'`, taken before the faults
// are armed) says for the same range: inode numbers, forks, file offsets to
// the byte, metadata kinds and groups; and the files have their right names,
// generations, hard links, reflinked copies, and open-but-unlinked state.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite(.serialized, .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct OwnerTests {
    /// One fault, what it should hit, and the space map of its range before arming.
    struct Target {
        let name: String
        let range: DaddrRange
        /// For a file fault: the file (relative) and the byte offset of the fault in it.
        var file: String? = nil
        var fileOffset: UInt64? = nil
        var rows: [FsmapRow] = []
    }

    @Test func ownersMatchTheSpaceMap() throws {
        try TestBed.with { bed in
            try bed.writeFile("a/b/c/file", size: 2 << 20)
            try bed.writeFile("small", size: 4096, seed: 2)
            try bed.writeFragmentedFile("fragmented", extents: 6, extentSize: 64 << 10)
            try bed.writeFile("h1", size: 256 << 10, seed: 3)
            try bed.hardlink("h1", "x/y/h2")
            try bed.writeFile("original", size: 1 << 20, seed: 4)
            try bed.reflink("original", "deep/er/copy")
            try bed.sync()
            let map = try bed.fsmap()
            let agSize = try agSizeDaddrs(bed)

            func fileTarget(_ name: String, _ file: String, _ offset: UInt64, _ length: UInt64) throws -> Target {
                Target(name: name, range: DaddrRange(bytes: try bed.physicalOffset(file, fileOffset: offset), length: length),
                       file: file, fileOffset: offset)
            }
            func metadataTarget(_ owner: String, ag: UInt64, sector: UInt64, sectors: UInt64 = 1) throws -> Target {
                let row = try fsmapRow(map, owner, atLeast: (sector + sectors) * 512, after: ag * agSize * 512)
                #expect(row.start / agSize == ag, "\(owner) is not in AG \(ag): \(row)")
                return Target(name: "\(owner) in AG \(ag)", range: DaddrRange(row.start + sector, row.start + sector + sectors))
            }
            let fragment = try #require(try bed.fileExtents("fragmented").dropFirst(3).first)
            var targets = [
                try fileTarget("nested file", "a/b/c/file", 1 << 20 + 1536, 1024),
                try fileTarget("4 KiB file", "small", 2048, 512),
                try fileTarget("fragmented file", "fragmented", fragment.fileOffset + 12288, 512),
                try fileTarget("hard-linked file", "h1", 64 << 10, 2048),
                try fileTarget("reflinked extent", "deep/er/copy", 512 << 10 + 512, 1024),
                try metadataTarget("inodes", ag: try #require(map.last { $0.owner == "inodes" }).start / agSize,
                                   sector: 3, sectors: 2),
                try metadataTarget("journalling log", ag: 2, sector: 1000, sectors: 3),
                try metadataTarget("static fs metadata", ag: 1, sector: 0),
                try metadataTarget("inode btree", ag: 1, sector: 1),
                try metadataTarget("refcount btree", ag: 3, sector: 0),
                try metadataTarget("per-AG metadata", ag: 1, sector: 2),
            ]
            // The space map of each range, before any fault is armed.
            for index in targets.indices { targets[index].rows = try fsmapRows(bed, targets[index].range) }
            for target in targets {
                try bed.data.arm(.eio, offset: target.range.start * 512, length: target.range.bytes)
            }

            let (run, report) = try scanJSON(bed)
            #expect(report.dataBadRanges == targets.map(\.range).sorted(), "\(run)")
            for target in targets {
                guard let bad = report.badRange(target.range) else {
                    Issue.record("\(target.name): no bad range \(target.range)")
                    continue
                }
                // The same owners as the space map.
                let expected = expectedOwners(target.rows, target.range)
                #expect(reportedOwners(bad) == expected, "\(target.name) \(target.range): space map \(target.rows)")
                for owner in bad.owners where owner.type == "metadata" {
                    #expect(owner.ag.map(UInt64.init) == target.range.start / agSize, "\(target.name): \(owner)")
                }
                // The file offset the test chose, to the byte; the length is the bad bytes.
                if let file = target.file, let offset = target.fileOffset {
                    let inode = try bed.inode(file)
                    let owner = bad.owners.first { $0.inode == inode }
                    #expect(owner?.type == "file" && owner?.fork == "data", "\(target.name): \(bad.owners)")
                    #expect(owner?.fileOffset == offset, "\(target.name): \(String(describing: owner))")
                    #expect(owner?.length == target.range.bytes, "\(target.name): \(String(describing: owner))")
                    #expect(owner?.generation == (try generation(bed, inode: inode)), "\(target.name): generation")
                    #expect(owner?.unlinked != true)
                }
            }

            // Names.
            func fileOwners(_ file: String) throws -> [OwnerReport] {
                let inode = try bed.inode(file)
                return report.badRanges.flatMap(\.owners).filter { $0.type == "file" && $0.inode == inode }
            }
            #expect(try fileOwners("a/b/c/file").map(\.path) == [bed.path("a/b/c/file")])
            #expect(try fileOwners("small").map(\.path) == [bed.path("small")])
            #expect(try fileOwners("fragmented").map(\.path) == [bed.path("fragmented")])
            let linked = try #require(try fileOwners("h1").first)
            #expect(Set(linked.names) == [bed.path("h1"), bed.path("x/y/h2")], "\(linked)")
            #expect(linked.path.map { Set(linked.names).contains($0) } == true, "\(linked)")
            // A reflinked extent: both files, with their names and the same offset.
            let shared = try #require(report.badRange(targets[4].range))
            let sharers = shared.owners.filter { $0.type == "file" }
            #expect(Set(sharers.compactMap(\.inode)) == [try bed.inode("original"), try bed.inode("deep/er/copy")])
            #expect(Set(sharers.compactMap(\.path)) == [bed.path("original"), bed.path("deep/er/copy")], "\(sharers)")
            #expect(sharers.allSatisfy { $0.fileOffset == 512 << 10 + 512 && $0.length == 1024 }, "\(sharers)")
            // The log and the inode chunk by kind.
            #expect(report.badRange(targets[6].range)?.owners.map(\.key) == [.metadata("log")])
            #expect(report.badRange(targets[5].range)?.owners.map(\.key) == [.metadata("inodes")])

            #expect(report.errors ?? [] == [], "owner lookup errors")
            #expect(report.summary.filesAffected == 6, "a/b/c/file, small, fragmented, h1, original, copy")
            #expect(report.summary.metadataAffected == 6)
            #expect(run.status == ExitBit.media | ExitBit.fileData)
        }
    }

    @Test func ownersAcrossExtentBoundaries() throws {
        try TestBed.with { bed in
            // A bad range over the end of one file's extent and the start of what follows.
            try bed.writeFragmentedFile("fragmented", extents: 4, extentSize: 16 << 10)
            try bed.sync()
            let extent = try #require(try bed.fileExtents("fragmented").first)
            let range = DaddrRange((extent.physical + extent.length) / 512 - 2, (extent.physical + extent.length) / 512 + 2)
            let rows = try fsmapRows(bed, range)
            #expect(rows.count >= 2, "\(rows)")
            try bed.data.arm(.eio, offset: range.start * 512, length: range.bytes)

            // The whole device, so that the neighbour is read even when it is free space.
            let (run, report) = try scanJSON(bed, ["--scope", "device"])
            let bad = try #require(report.badRange(range), "\(run)")
            #expect(reportedOwners(bad) == expectedOwners(rows, range), "space map \(rows)\n\(run)")
            let inode = try bed.inode("fragmented")
            let owner = bad.owners.first { $0.inode == inode }
            #expect(owner?.fileOffset == extent.fileOffset + extent.length - 1024 && owner?.length == 1024,
                    "clipped to the record: \(String(describing: owner))")
        }
    }

    @Test func attributeForkAndExtentMap() throws {
        try TestBed.with { bed in
            // A remote attribute value (20000 bytes) has blocks of the attr fork;
            // a file of 40 extents has its extent map in a bmbt block.
            try bed.writeFile("attributed", size: 4096)
            try bed.run([Harness.python, "-c", "import os, sys; os.setxattr(sys.argv[1], 'user.big', b'x' * 20000)",
                         bed.path("attributed")]).check()
            try bed.writeFragmentedFile("many", extents: 40, extentSize: 4096)
            try bed.sync()
            let map = try bed.fsmap()
            let attributed = try bed.inode("attributed"), many = try bed.inode("many")
            let attrRow = try #require(map.first { $0.inode == attributed && $0.owner.contains(" attr ") && $0.length >= 16 },
                                       "no attr blocks: \(map.filter { $0.inode == attributed })")
            let bmbtRow = try #require(map.first { $0.inode == many && $0.owner.hasSuffix("extent map") },
                                       "no bmbt block: \(map.filter { $0.inode == many })")
            let attrRange = DaddrRange(attrRow.start + 9, attrRow.start + 10)
            let bmbtRange = DaddrRange(bmbtRow.start + 1, bmbtRow.start + 3)
            let attrRows = try fsmapRows(bed, attrRange), bmbtRows = try fsmapRows(bed, bmbtRange)
            for range in [attrRange, bmbtRange] { try bed.data.arm(.eio, offset: range.start * 512, length: range.bytes) }

            let (run, report) = try scanJSON(bed)
            #expect(report.dataBadRanges == [attrRange, bmbtRange].sorted(), "\(run)")
            let attr = try #require(report.badRange(attrRange))
            let bmbt = try #require(report.badRange(bmbtRange))
            #expect(reportedOwners(attr) == expectedOwners(attrRows, attrRange), "space map \(attrRows)")
            #expect(reportedOwners(bmbt) == expectedOwners(bmbtRows, bmbtRange), "space map \(bmbtRows)")
            #expect(attr.owners.first?.fork == "attr" && attr.owners.first?.path == bed.path("attributed"))
            #expect(bmbt.owners.first?.fork == "bmbt" && bmbt.owners.first?.path == bed.path("many"))
            #expect(attr.owners.first?.generation == (try generation(bed, inode: attributed)))
            #expect(run.status & ExitBit.media != 0, "\(run)")
        }
    }

    @Test func unlinkedButOpenFile() throws {
        try TestBed.with { bed in
            try bed.writeFile("doomed", size: 1 << 20, seed: 6)
            try bed.sync()
            let inode = try bed.inode("doomed")
            let gen = try generation(bed, inode: inode)
            let range = DaddrRange(bytes: try bed.physicalOffset("doomed", fileOffset: 300 << 10), length: 512)
            // A process holds it open after its last name is gone.
            let holder = try spawnProcess(["bash", "-c", "exec 3<\"$0\"; rm \"$0\"; exec sleep 60", bed.path("doomed")])
            defer {
                holder.kill()
                holder.wait()
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while access(bed.path("doomed"), F_OK) == 0 && ContinuousClock.now < deadline { usleep(10_000) }
            #expect(access(bed.path("doomed"), F_OK) != 0, "the file was not removed")
            try bed.data.arm(.eio, offset: range.start * 512, length: range.bytes)

            let (run, report) = try scanJSON(bed)
            let bad = try #require(report.badRange(range), "\(run)")
            let owner = try #require(bad.owners.first, "\(run)")
            #expect(bad.owners.count == 1)
            #expect(owner.type == "file" && owner.inode == inode, "\(owner)")
            #expect(owner.unlinked == true, "\(owner)")
            #expect(owner.generation == gen)
            #expect(owner.fileOffset == 300 << 10 && owner.length == 512)
            // "path": null, present and null.
            let json = try run.jsonObject()
            let ranges = try #require(json["bad_ranges"] as? [[String: Any]])
            let owners = try #require(ranges.first?["owners"] as? [[String: Any]])
            #expect(owners.first.map { $0.keys.contains("path") && $0["path"] is NSNull } == true, "\(owners)")
            #expect(run.status == ExitBit.media | ExitBit.fileData)
        }
    }
}
