// Reports, checkpoints and history are written as root, maybe into a
// directory others can write to: what is planted at the temporary name is
// never followed, truncated or removed, and the mode is the one asked for
// whatever the umask (reports 0640: they name damaged files).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed
@testable import VerifyMedia

@Suite(.serialized)
struct AtomicFileTests {
    /// A new directory with `victim` ("precious") in it; removed after `body`.
    func withDirectory(_ body: (String) throws -> Void) throws {
        var template = Array("/tmp/xvm-atomic-XXXXXX".utf8CString)
        let made = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) })
        let directory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("precious".utf8).write(to: URL(fileURLWithPath: directory + "/victim"))
        try body(directory)
    }

    func contents(_ path: String) throws -> String { String(decoding: try readWholeFile(path), as: UTF8.self) }

    func mode(_ path: String) throws -> mode_t {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw TestBedError("lstat \(path): \(String(cString: strerror(errno)))") }
        return st.st_mode
    }

    @Test func symlinkAtTheTemporaryNameIsNotFollowed() throws {
        try withDirectory { directory in
            let target = directory + "/report.json"
            // Where a temporary name is predictable (path.tmp.PID), and where
            // the first attempt lands.
            for planted in ["\(target).tmp.\(getpid())", "\(target).tmp.first"] {
                #expect(symlink(directory + "/victim", planted) == 0)
            }
            try AtomicFile.write(Array("new".utf8), to: target)
            try AtomicFile.write(Array("newer".utf8), to: target, mode: 0o640) { ["." + "first", ".second"][$0] }
            #expect(try contents(directory + "/victim") == "precious")
            #expect(try contents(target) == "newer")
            // The planted links are still there, untouched; nothing else is left.
            for planted in ["\(target).tmp.\(getpid())", "\(target).tmp.first"] {
                #expect(try mode(planted) & S_IFMT == S_IFLNK, "\(planted)")
            }
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(left == ["report.json", "report.json.tmp.\(getpid())", "report.json.tmp.first", "victim"].sorted())
        }
    }

    @Test func aFileAtTheTemporaryNameIsNeitherTruncatedNorRemoved() throws {
        try withDirectory { directory in
            let target = directory + "/state"
            try Data("theirs".utf8).write(to: URL(fileURLWithPath: target + ".tmp.taken"))
            try AtomicFile.write(Array("ours".utf8), to: target, mode: 0o600) { [".taken", ".free"][$0] }
            #expect(try contents(target + ".tmp.taken") == "theirs")
            #expect(try contents(target) == "ours")
            #expect(access(target + ".tmp.free", F_OK) != 0, "renamed away")
        }
    }

    @Test func aSymlinkAtTheTargetIsReplacedNotFollowed() throws {
        try withDirectory { directory in
            let target = directory + "/report.json"
            #expect(symlink(directory + "/victim", target) == 0)
            try AtomicFile.write(Array("new".utf8), to: target)
            #expect(try contents(directory + "/victim") == "precious")
            #expect(try mode(target) & S_IFMT == S_IFREG)
        }
    }

    @Test func modeIsEnforcedWhateverTheUmask() throws {
        try withDirectory { directory in
            for mask: mode_t in [0, 0o077] {
                let old = umask(mask)
                defer { umask(old) }
                try AtomicFile.write(Array("report".utf8), to: directory + "/report-\(mask)")
                try AtomicFile.write(Array("state".utf8), to: directory + "/state-\(mask)", mode: 0o600)
                #expect(try mode(directory + "/report-\(mask)") & 0o7777 == 0o640, "reports: 0640, umask \(mask)")
                #expect(try mode(directory + "/state-\(mask)") & 0o7777 == 0o600, "umask \(mask)")
            }
        }
    }
}
