// Damaged files with hostile names: a newline must not forge a report line,
// ESC must not reach the terminal, and the reader can undo the escaping
// (Python's codecs.escape_decode gives the bytes back). JSON keeps every
// name exactly: as a string when it is UTF-8, in base64 when it is not.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed
@testable import VerifyMedia

struct TextEscapingTests {
    @Test(arguments: [
        ("plain/ascii name.txt", "plain/ascii name.txt"),
        ("caf\u{e9} \u{65e5}\u{672c} \u{1f600}", "caf\u{e9} \u{65e5}\u{672c} \u{1f600}"),
        ("a\nb\tc\rd", #"a\nb\tc\rd"#),
        ("back\\slash", #"back\\slash"#),
        ("\u{1b}[2J\u{7}\u{0}\u{1f}\u{7f}", #"\x1b[2J\x07\x00\x1f\x7f"#),
        // C1 controls: U+009B is CSI on terminals that take 8-bit controls.
        ("x\u{9b}31m\u{85}", #"x\xc2\x9b31m\xc2\x85"#),
        ("\u{a0}\u{2028}", "\u{a0}\u{2028}"),
    ])
    func escapesStrings(_ name: String, _ expected: String) {
        #expect(TextEscaping.escape(name) == expected)
    }

    @Test(arguments: [
        ([0x61, 0xff, 0x62] as [UInt8], #"a\xffb"#),
        ([0xc3] as [UInt8], #"\xc3"#),                  // a sequence cut short
        ([0xc0, 0x80] as [UInt8], #"\xc0\x80"#),        // overlong NUL
        ([0xed, 0xa0, 0x80] as [UInt8], #"\xed\xa0\x80"#),  // a surrogate
        ([0x80, 0x41] as [UInt8], #"\x80A"#),           // a lone continuation byte
        ([0xe6, 0x97, 0xa5, 0xe6] as [UInt8], "\u{65e5}" + #"\xe6"#),
    ])
    func escapesBytesThatAreNotUTF8(_ bytes: [UInt8], _ expected: String) {
        #expect(TextEscaping.escape(bytes) == expected)
    }

    @Test func escapedTextIsOneLineOfPrintableCharacters() {
        let every = (0...255).map(UInt8.init)
        let escaped = TextEscaping.escape(every)
        #expect(!escaped.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) })
    }
}

@Suite("Report: hostile file names", .serialized,
       .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct HostileNameTests {
    @Test("names with a newline, ESC, a backslash or bytes that are not UTF-8, on damaged files")
    func hostileNamesOfDamagedFiles() throws {
        try TestBed.with { bed in
            let forged = "forged: media error at data offset 0 length 512 (EIO)"
            let names: [[UInt8]] = [
                Array("report\n\(forged)".utf8),
                Array("esc\u{1b}]0;title\u{7}\u{1b}[2Jclear".utf8),
                Array(#"back\slash\n"#.utf8),
                Array("bad".utf8) + [0xff, 0xfe] + Array("name \u{e9}".utf8),
            ]
            let directory = bed.path("hostile")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            for (index, name) in names.enumerated() { try writeFile(directory, name, seed: UInt64(index + 1)) }
            try bed.sync()
            // One bad sector in each, found by the inode of each name.
            var damaged: [(name: [UInt8], inode: UInt64, range: DaddrRange)] = []
            for name in names {
                let inode = try inode(directory, name)
                let row = try #require(try bed.fsmap().first { $0.inode == inode && $0.owner.contains(" data ") }, "inode \(inode)")
                damaged.append((name, inode, DaddrRange(row.start + 1, row.start + 2)))
            }
            for target in damaged { try bed.data.arm(.eio, offset: target.range.start * 512, length: target.range.bytes) }

            // Text: one line per damaged file, no control character, and each
            // path undone by escape_decode is the name's bytes.
            let text = try runTool([bed.mountPoint])
            #expect(text.status == ExitBit.media | ExitBit.fileData, "\(text)")
            #expect(!text.stdout.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7f...0x9f).contains($0.value) },
                    "control characters in \(text)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            #expect(!lines.contains { $0.hasPrefix("forged") }, "\(text)")
            let suffix = ": media error at data offset 512 length 512 (EIO)"
            let fileLines = lines.filter { $0.hasSuffix(suffix) }
            #expect(fileLines.count == names.count, "\(text)")
            let undone = try unescape(fileLines.map { String($0.dropLast(suffix.count)) })
            let expected = names.map { Array(directory.utf8) + [UInt8(ascii: "/")] + $0 }
            #expect(Set(undone) == Set(expected), "\(fileLines)")

            // JSON: each name exactly.
            let (run, report) = try scanJSON(bed)
            #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")
            for target in damaged {
                let owner = try #require(report.badRange(target.range)?.owners.first, "\(run)")
                let path = Array(directory.utf8) + [UInt8(ascii: "/")] + target.name
                if let valid = String(validating: path, as: UTF8.self) {
                    #expect(owner.path == valid && owner.pathBase64 == nil, "\(owner)")
                } else {
                    #expect(owner.path == String(decoding: path, as: UTF8.self), "U+FFFD for what is not UTF-8: \(owner)")
                    #expect(owner.pathBase64.flatMap { Data(base64Encoded: $0) }.map(Array.init) == path, "\(owner)")
                }
            }
            if Harness.jsonschemaPython != nil {
                let errors = try ReportTests().schemaErrors([run.stdout])
                #expect(errors.isEmpty, "\(errors.joined(separator: "\n"))")
            }
        }
    }

    /// Creates `name` (bytes) in `directory` with 8 KiB of pattern bytes.
    private func writeFile(_ directory: String, _ name: [UInt8], seed: UInt64) throws {
        let fd = try at(directory, name) { openat($0, $1, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        let bytes = patternBytes(offset: 0, count: 8192, seed: seed)
        guard bytes.withUnsafeBytes({ write(fd, $0.baseAddress!, $0.count) }) == 8192, fsync(fd) == 0 else {
            throw TestBedError("write: \(String(cString: strerror(errno)))")
        }
    }

    private func inode(_ directory: String, _ name: [UInt8]) throws -> UInt64 {
        var st = stat()
        _ = try at(directory, name) { fstatat($0, $1, &st, AT_SYMLINK_NOFOLLOW) }
        return UInt64(st.st_ino)
    }

    /// `call(directory fd, name)`, throwing when it returns -1.
    private func at(_ directory: String, _ name: [UInt8], _ call: (Int32, UnsafePointer<CChar>) -> Int32) throws -> Int32 {
        let dir = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dir >= 0 else { throw TestBedError("open \(directory): \(String(cString: strerror(errno)))") }
        defer { close(dir) }
        let result = (name + [0]).map { CChar(bitPattern: $0) }.withUnsafeBufferPointer { call(dir, $0.baseAddress!) }
        guard result >= 0 else { throw TestBedError("\(directory)/\(String(decoding: name, as: UTF8.self)): \(String(cString: strerror(errno)))") }
        return result
    }

    /// Python's codecs.escape_decode of each text: the bytes it stands for.
    private func unescape(_ texts: [String]) throws -> [[UInt8]] {
        let script = """
            import codecs, sys
            for line in sys.stdin.read().split("\\n")[:-1]:
                print(codecs.escape_decode(line.encode())[0].hex())
            """
        let result = try runCommand([Harness.python, "-c", script], stdin: texts.map { $0 + "\n" }.joined()).check()
        return result.stdout.split(separator: "\n").map { hex in
            stride(from: 0, to: hex.count, by: 2).map { offset in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
        }
    }
}
