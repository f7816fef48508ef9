// The directory walk that names damaged files writes nothing, not even
// access times (the filesystem mounted with strictatime, where every read
// would move them), and never opens a FIFO or a device node (inotify sees
// every open), with and without the reverse-mapping btree (without it the
// walk opens every file to read its extent map).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite("Owners: the directory walk writes nothing and opens only files and directories", .serialized,
       .enabled(if: Harness.unavailableReason == nil, Comment(rawValue: Harness.unavailableReason ?? "")))
struct ReadOnlyWalkTests {
    /// bench/ (peers): a bad block of a large directory hid every name after
    /// it from the walk, so a damaged file listed further on went unnamed.
    /// (Paths come from the walk here: no parent pointers.)
    @Test("a directory block that cannot be read does not hide the names after it")
    func unreadableDirectoryBlockIsSteppedOver() throws {
        try TestBed.with { bed in
            try FileManager.default.createDirectory(atPath: bed.path("mail"), withIntermediateDirectories: true)
            for index in 0..<2000 { try bed.writeFile("mail/message-\(index).eml", size: 512, seed: UInt64(index)) }
            try bed.sync()
            // The directory's second block, and a file whose name sits far after it.
            let directory = try #require(try Self.directoryBlock(bed, "mail", offset: 4096))
            let file = DaddrRange(bytes: try bed.physicalOffset("mail/message-1900.eml", fileOffset: 0), length: 512)
            try bed.remount()
            for range in [directory, file] { try bed.data.arm(.eio, offset: range.start * 512, length: range.bytes) }
            let listing = try runCommand(["ls", "-f", bed.path("mail")])
            #expect(!listing.succeeded, "the directory lists without error: \(listing)")

            let (run, report) = try scanJSON(bed, timeout: .seconds(120))
            #expect(report.badRange(file)?.owners.first?.path == bed.path("mail/message-1900.eml"), "\(run)")
            #expect(report.badRange(directory)?.owners.first?.path == bed.path("mail"), "\(run)")
        }
    }

    /// The sector at byte `offset` of a directory's data (`xfs_io bmap`:
    /// FIEMAP does not map XFS directories).
    static func directoryBlock(_ bed: TestBed, _ relative: String, offset: UInt64) throws -> DaddrRange? {
        let text = try runCommand(["xfs_io", "-r", "-c", "bmap", bed.path(relative)]).check().stdout
        for line in text.split(separator: "\n") {
            // "	0: [0..7]: 1179744..1179751"
            let f = line.split(whereSeparator: { " \t[]:".contains($0) })
            guard f.count == 3, let logical = f[1].split(separator: ".").first.flatMap({ UInt64($0) }),
                  let logicalEnd = f[1].split(separator: ".").last.flatMap({ UInt64($0) }),
                  let physical = f[2].split(separator: ".").first.flatMap({ UInt64($0) }),
                  logical * 512 <= offset, offset / 512 <= logicalEnd else { continue }
            let sector = physical + offset / 512 - logical
            return DaddrRange(sector, sector + 1)
        }
        return nil
    }

    @Test(arguments: ["rmapbt=1", "rmapbt=0"])
    func walkWritesNoAccessTimeAndOpensNoFIFO(rmap: String) throws {
        try TestBed.with(TestBedOptions(mkfsOptions: ["-m", "\(rmap),reflink=1"])) { bed in
            try bed.writeFile("a/b/c/file", size: 256 << 10, seed: 3)
            try bed.writeFile("a/d/other", size: 64 << 10, seed: 4)
            try bed.writeFile("e/x", size: 4096, seed: 5)
            // A FIFO that no one writes to: opening it to read would block.
            #expect(mkfifo(bed.path("a/pipe"), 0o644) == 0, "mkfifo: \(String(cString: strerror(errno)))")
            try runCommand(["mknod", bed.path("a/null"), "c", "1", "3"]).check()
            try bed.sync()
            let range = DaddrRange(bytes: try bed.physicalOffset("a/b/c/file", fileOffset: 64 << 10), length: 512)
            try bed.remount(options: ["strictatime"])

            // Access times far in the past: any read would move them to now.
            let walked = [".", "a", "a/b", "a/b/c", "a/d", "e", "a/b/c/file", "a/d/other", "e/x", "a/pipe", "a/null"]
            for name in walked { try setAccessTime(bed.path(name), seconds: 1_000_000_000) }
            let before = try walked.map { try accessTime(bed.path($0)) }
            let watch = try OpenWatch([bed.path("a/pipe"), bed.path("a/null")])
            try bed.data.arm(.eio, offset: range.start * 512, length: range.bytes)

            let (run, report) = try scanJSON(bed, timeout: .seconds(120))
            #expect(!run.result.timedOut, "\(run)")
            #expect(report.badRange(range)?.owners.first?.path == bed.path("a/b/c/file"), "\(run)")
            #expect(try watch.events() == [], "opened by the scan")
            let after = try walked.map { try accessTime(bed.path($0)) }
            for (index, name) in walked.enumerated() {
                #expect(after[index] == before[index], "atime of \(name) moved: \(before[index]) -> \(after[index])")
            }
        }
    }

    private func setAccessTime(_ path: String, seconds: Int) throws {
        let omit = (1 << 30) - 2  // UTIME_OMIT: the modification time stays
        let times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: 0, tv_nsec: omit)]
        guard utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw TestBedError("utimensat \(path): \(String(cString: strerror(errno)))")
        }
    }

    private func accessTime(_ path: String) throws -> String {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw TestBedError("lstat \(path): \(String(cString: strerror(errno)))") }
        return "\(st.st_atim.tv_sec).\(st.st_atim.tv_nsec)"
    }
}

/// inotify watches for opens and reads of some paths.
private final class OpenWatch {
    let fd: Int32
    var names: [Int32: String] = [:]

    init(_ paths: [String]) throws {
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw TestBedError("inotify_init1: \(String(cString: strerror(errno)))") }
        for path in paths {
            let watch = inotify_add_watch(fd, path, UInt32(IN_OPEN | IN_ACCESS))
            guard watch >= 0 else { throw TestBedError("inotify_add_watch \(path): \(String(cString: strerror(errno)))") }
            names[watch] = path
        }
    }

    deinit { close(fd) }

    /// "path: open" / "path: access" for each event since the watch began.
    func events() throws -> [String] {
        var found: [String] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EAGAIN { return found }
            guard count > 0 else { throw TestBedError("read inotify: \(String(cString: strerror(errno)))") }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self) }
                let what = event.mask & UInt32(IN_OPEN) != 0 ? "open" : "access"
                found.append("\(names[event.wd] ?? "watch \(event.wd)"): \(what)")
                offset += MemoryLayout<inotify_event>.size + Int(event.len)
            }
        }
    }
}
