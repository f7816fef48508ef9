import Foundation
import Testing
import TestBed

@Suite("Owners without rmapbt: files found through their extent maps", .serialized,
       .enabled(if: TestBed.unavailableReason == nil, "needs the test bed: \(TestBed.unavailableReason ?? "")"))
struct NoRmapOwnerTests {
    @Test("on a filesystem without rmapbt, damaged files are still named, with offsets; metadata stays unknown")
    func filesNamedThroughExtentMaps() throws {
        try TestBed.with(TestBedOptions(mkfsOptions: ["-m", "rmapbt=0,reflink=1"])) { bed in
            try bed.writeFile("deep/dir/file", size: 2 << 20, seed: 5)
            try bed.hardlink("deep/dir/file", "link")
            try bed.reflink("deep/dir/file", "copy")
            try bed.writeFile("untouched", size: 1 << 20, seed: 6)
            try bed.sync()
            let extent = try #require(bed.fileExtents("deep/dir/file").first)
            try bed.data.arm(.eio, offset: extent.physical + 40960, length: 1024)
            // Space GETFSMAP cannot name: the AG headers at the start of AG 1.
            let agStart = try #require(bed.fsmap().first { $0.owner == "unknown" && $0.start > 0 })
            try bed.data.arm(.eio, offset: agStart.start * 512, length: 512)

            let result = try bed.run([RepoPaths.binary, "--json", bed.mountPoint])
            #expect(result.status == 3, "\(result)")
            let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let bad = try #require(report["bad_ranges"] as? [[String: Any]])
            let fileRange = try #require(bad.first { $0["start_daddr"] as? Int == Int((extent.physical + 40960) / 512) })
            let owners = try #require(fileRange["owners"] as? [[String: Any]])
            let inode = try bed.inode("deep/dir/file"), copy = try bed.inode("copy")
            #expect(Set(owners.compactMap { $0["inode"] as? Int }) == [Int(inode), Int(copy)])
            for owner in owners {
                #expect(owner["type"] as? String == "file")
                #expect(owner["file_offset"] as? Int == 40960)
                #expect(owner["length"] as? Int == 1024)
                #expect(owner["generation"] is Int)
            }
            let original = try #require(owners.first { $0["inode"] as? Int == Int(inode) })
            #expect(Set(original["paths"] as? [String] ?? []) == [bed.path("deep/dir/file"), bed.path("link")])
            let metadata = bad.first { $0["start_daddr"] as? Int == Int(agStart.start) }
            #expect((metadata?["owners"] as? [[String: Any]])?.map { $0["type"] as? String } == ["unknown"])
        }
    }
}
