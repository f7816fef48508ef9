import Foundation
import Testing
import TestBed

private let skipReason: String? = TestBed.unavailableReason
    ?? SidUserland.unavailableReason.map { "needs mkfs.xfs with parent pointers (xfsprogs 7.x): \($0)" }
    ?? (findExecutable("strace") == nil ? "needs strace" : nil)

@Suite("Owners: paths from parent pointers (mkfs.xfs -n parent=1)", .serialized, .enabled(if: skipReason == nil, "\(skipReason ?? "")"))
struct ParentPointerTests {
    @Test("paths and hard links come from parent pointers, without walking the directory tree")
    func pathsFromParentPointers() throws {
        try TestBed.with(TestBedOptions(mkfsOptions: ["-m", "rmapbt=1,reflink=1", "-n", "parent=1"],
                                        mkfsProgram: SidUserland.mkfs)) { bed in
            try bed.writeFile("projects/report/2026/q3.dat", size: 1 << 20, seed: 3)
            try bed.hardlink("projects/report/2026/q3.dat", "archive-q3.dat")
            try bed.writeFile("other", size: 64 << 10, seed: 4)
            try bed.sync()
            let extent = try #require(bed.fileExtents("projects/report/2026/q3.dat").first)
            try bed.data.arm(.eio, offset: extent.physical + 12288, length: 512)
            // strace shows whether the directory tree was read (getdents64).
            let trace = bed.directory + "/trace"
            let result = try bed.run(["strace", "-f", "-qq", "-o", trace, "-e", "trace=getdents64,ioctl",
                                      RepoPaths.binary, "--json", bed.mountPoint])
            #expect(result.status == 3, "\(result)")
            let report = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let owner = try #require(((report["bad_ranges"] as? [[String: Any]])?.first?["owners"] as? [[String: Any]])?.first)
            #expect(owner["path"] as? String == bed.path("projects/report/2026/q3.dat"))
            #expect(Set(owner["paths"] as? [String] ?? []) == [bed.path("projects/report/2026/q3.dat"), bed.path("archive-q3.dat")])
            #expect(owner["file_offset"] as? Int == 12288)
            let calls = try String(contentsOfFile: trace, encoding: .utf8)
            #expect(!calls.contains("getdents64"), "no directory walk when parent pointers exist")
            #expect(calls.contains("0x58, 0x3f"), "XFS_IOC_GETPARENTS_BY_HANDLE was used")
        }
    }
}
