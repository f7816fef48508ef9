// Bad sectors cluster: a file's data and its own inode both unreadable.
// Bulkstat then fails with EIO, and so would opening the file or asking its
// parent pointers; its names still come from the directory entries that
// refer to it (d_ino), and the report says the inode is unreadable.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

private let parentPointerSkipReason: String? = Harness.unavailableReason
    ?? SidUserland.unavailableReason.map { "needs mkfs.xfs with parent pointers (xfsprogs 7.x): \($0)" }

@Suite("Owners: files whose inode cannot be read", .serialized,
       .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct UnreadableInodeTests {
    struct Damage {
        let inode: UInt64
        let data: DaddrRange
        let inodeSector: DaddrRange
        let names: [String]
    }

    /// `dir/victim` (64 KiB) with a hard link `elsewhere/link`, its inode in
    /// an inode chunk without the root's or the directories' (64 empty
    /// files take the first chunk), the caches cold (remount), then one bad
    /// sector in its data at offset 4096 and one on its inode.
    static func damageFileAndInode(_ bed: TestBed) throws -> Damage {
        try FileManager.default.createDirectory(atPath: bed.path("dir"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: bed.path("elsewhere"), withIntermediateDirectories: true)
        for index in 0..<64 { try bed.writeFile("dir/filler\(index)", size: 0) }
        try bed.writeFile("dir/victim", size: 64 << 10, seed: 9)
        try bed.hardlink("dir/victim", "elsewhere/link")
        try bed.sync()
        let inode = try bed.inode("dir/victim")
        for directory in [".", "dir", "elsewhere"] {
            // Inode chunks are 64 inodes, aligned: a directory in another
            // chunk is read from sectors that are not armed.
            try #require(try bed.inode(directory) >> 6 != inode >> 6, "\(directory) shares the inode chunk of dir/victim")
        }
        let data = DaddrRange(bytes: try bed.physicalOffset("dir/victim", fileOffset: 4096), length: 512)
        let inodeSector = DaddrRange(bytes: try bed.inodeDaddr(inode) * 512, length: 512)
        try bed.remount()
        for range in [data, inodeSector] { try bed.data.arm(.eio, offset: range.start * 512, length: range.bytes) }
        return Damage(inode: inode, data: data, inodeSector: inodeSector,
                      names: [bed.path("dir/victim"), bed.path("elsewhere/link")])
    }

    /// The report names the file by both its names, marks its inode
    /// unreadable, in JSON (valid against the schema) and in text.
    static func expectNamedAndUnreadable(_ bed: TestBed, _ damage: Damage) throws {
        let (run, report) = try scanJSON(bed)
        #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")
        let bad = try #require(report.badRange(damage.data), "\(run)")
        let owner = try #require(bad.owners.first, "\(run)")
        #expect(bad.owners.count == 1 && owner.type == "file" && owner.inode == damage.inode, "\(bad.owners)")
        #expect(Set(owner.names) == Set(damage.names), "\(owner)")
        #expect(owner.inodeUnreadable == true, "\(owner)")
        #expect(owner.generation == nil && owner.unlinked != true, "\(owner)")
        #expect(owner.fork == "data" && owner.fileOffset == 4096 && owner.length == 512, "\(owner)")
        // The inode's own sector is the inode chunk's bad range, which names
        // the file whose inode it holds; nothing else is an error.
        let chunk = try #require(report.badRange(damage.inodeSector), "\(run)")
        #expect(chunk.owners.map(\.key) == [.metadata("inodes"), .file(inode: damage.inode, fork: "inode", offset: nil, length: 512)],
                "\(chunk.owners)")
        #expect(chunk.owners.last.map { Set($0.names) } == Set(damage.names), "\(chunk.owners)")
        #expect(chunk.owners.last?.inodeUnreadable == true, "\(chunk.owners)")
        #expect(report.errors ?? [] == [], "\(run)")
        if Harness.jsonschemaPython != nil {
            let errors = try ReportTests().schemaErrors([run.stdout])
            #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")
        }

        let text = try runTool([bed.mountPoint])
        let lines = text.stdout.split(separator: "\n").map(String.init)
        for name in damage.names {
            #expect(lines.contains("\(name) (inode \(damage.inode) unreadable): media error at data offset 4096 length 512 (EIO)"),
                    "\(text)")
            #expect(lines.contains("\(name) (inode \(damage.inode) unreadable): media error in its inode (EIO)"), "\(text)")
        }
        #expect(!text.stdout.contains("error:"), "\(text)")
    }

    @Test("named from the directory walk, its inode marked unreadable")
    func namedFromTheDirectoryWalk() throws {
        try TestBed.with { bed in
            let damage = try Self.damageFileAndInode(bed)
            try Self.expectNamedAndUnreadable(bed, damage)
        }
    }

    @Test("with parent pointers, which need the inode, named from the directory walk too",
          .enabled(if: parentPointerSkipReason == nil, Comment(rawValue: parentPointerSkipReason ?? "")))
    func parentPointersFallBackToTheWalk() throws {
        try TestBed.with(TestBedOptions(mkfsOptions: ["-m", "rmapbt=1,reflink=1", "-n", "parent=1"],
                                        mkfsProgram: SidUserland.mkfs)) { bed in
            let damage = try Self.damageFileAndInode(bed)
            try Self.expectNamedAndUnreadable(bed, damage)
        }
    }

    /// What xfs_scrub reports as "inode N (AG/AGINO) inode record: Input/output
    /// error" (bench/: peers): here the file whose inode it is, by name.
    @Test("an inode in use hit alone: its file is named from the inode chunk's bad range, free inodes there are not")
    func inodeAloneNamesItsFile() throws {
        try TestBed.with { bed in
            var damage = try Self.damageFileAndInode(bed)
            // Only the inode, and the free inode after it: the data reads fine.
            try bed.data.clearFaults()
            damage = Damage(inode: damage.inode, data: damage.data,
                            inodeSector: DaddrRange(damage.inodeSector.start, damage.inodeSector.start + 2), names: damage.names)
            try bed.data.arm(.eio, offset: damage.inodeSector.start * 512, length: damage.inodeSector.bytes)
            let (run, report) = try scanJSON(bed)
            #expect(run.status == ExitBit.media, "\(run)")
            #expect(report.badRanges.map(\.daddrs) == [damage.inodeSector], "\(run)")
            let owners = try #require(report.badRanges.first?.owners)
            #expect(owners.map(\.key) == [.metadata("inodes"), .file(inode: damage.inode, fork: "inode", offset: nil, length: 512)],
                    "\(owners)")
            #expect(owners.last.map { Set($0.names) } == Set(damage.names) && owners.last?.inodeUnreadable == true, "\(owners)")
            #expect(report.summary.filesAffected == 1 && report.summary.metadataAffected == 1, "\(run)")
        }
    }
}
