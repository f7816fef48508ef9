// Watch mode's pieces without a kernel: health events decoded from their
// bytes (laid out here by hand, at the offsets of the kernel's
// struct xfs_health_monitor_event), worded as xfs_healer 7.2 printed them
// on a real Linux 7.2 kernel, the 64-byte stream cut at any boundary,
// repair outcomes, the coalescing of media errors, unit names, fanotify
// mount events and the journald datagram.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed
@testable import VerifyMedia

/// The health monitor's event as the product decodes it (TestBed has a
/// `HealthEvent` of its own: a line of `xfs_io -c healthmon`).
typealias MonitorEvent = VerifyMedia.HealthEvent

/// One health event as the kernel writes it: little endian, 64 bytes.
struct EventRecord {
    var bytes = [UInt8](repeating: 0, count: 64)

    init(domain: UInt32, type: UInt32, time: UInt64 = 1_796_000_000_000_000_000) {
        put(domain, at: 0)
        put(type, at: 4)
        put(time, at: 8)
    }

    mutating func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + MemoryLayout<T>.size, with: $0) }
    }

    // Union members start at byte 16.
    static func media(domain: UInt32 = 5, daddr: UInt64, bbcount: UInt64, time: UInt64 = 1_796_000_000_000_000_000) -> EventRecord {
        var record = EventRecord(domain: domain, type: 7, time: time)
        record.put(daddr, at: 16)
        record.put(bbcount, at: 24)
        return record
    }

    static func fileRange(type: UInt32, inode: UInt64, generation: UInt32, position: UInt64, length: UInt64, error: UInt32) -> EventRecord {
        var record = EventRecord(domain: 8, type: type)
        record.put(position, at: 16)
        record.put(length, at: 24)
        record.put(inode, at: 32)
        record.put(generation, at: 40)
        record.put(error, at: 44)
        return record
    }

    static func inode(type: UInt32, mask: UInt32, inode: UInt64, generation: UInt32) -> EventRecord {
        var record = EventRecord(domain: 3, type: type)
        record.put(mask, at: 16)
        record.put(generation, at: 20)
        record.put(inode, at: 24)
        return record
    }

    static func group(domain: UInt32, type: UInt32, mask: UInt32, number: UInt32) -> EventRecord {
        var record = EventRecord(domain: domain, type: type)
        record.put(mask, at: 16)
        record.put(number, at: 20)
        return record
    }

    var event: MonitorEvent { bytes.withUnsafeBytes { MonitorEvent(record: $0) } }
}

@Suite struct HealthEventTests {
    let wording = EventWording(mountPoint: "/mnt")

    func line(_ record: EventRecord, subject: String? = nil) -> String {
        wording.entry(for: record.event, subject: subject.map(RawPath.init)).message
    }

    @Test func decodesEveryDomainFromItsBytes() {
        #expect(EventRecord(domain: 0, type: 0).event == MonitorEvent(domain: .mount, kind: .running, time: 1_796_000_000_000_000_000, payload: .none))
        var lost = EventRecord(domain: 0, type: 1)
        lost.put(UInt64(12), at: 16)
        #expect(lost.event.payload == .lost(count: 12))
        var shutdown = EventRecord(domain: 0, type: 6)
        shutdown.put(UInt32(0x3), at: 16)
        #expect(shutdown.event.payload == .shutdown(reasons: 3))
        var fs = EventRecord(domain: 1, type: 3)
        fs.put(UInt32(0x81), at: 16)
        #expect(fs.event.payload == .filesystem(mask: 0x81))
        #expect(EventRecord.group(domain: 2, type: 4, mask: 0x110, number: 7).event.payload == .group(mask: 0x110, number: 7))
        #expect(EventRecord.group(domain: 4, type: 5, mask: 0x2, number: 1).event.domain == .rtgroup)
        let inode = EventRecord.inode(type: 3, mask: 0x10, inode: 0x1_0000_0083, generation: 0xDEAD_BEEF).event
        #expect(inode.payload == .inode(mask: 0x10, inode: 0x1_0000_0083, generation: 0xDEAD_BEEF))
        let media = EventRecord.media(domain: 6, daddr: 0x805, bbcount: 8).event
        #expect(media.domain == .rtDevice && media.kind == .mediaError && media.device == .rt)
        #expect(media.mediaRange == ByteRange(0x805 * 512, 0x80D * 512))
        let range = EventRecord.fileRange(type: 10, inode: 131, generation: 7, position: 4096, length: 8192, error: 61).event
        #expect(range.kind == .directRead)
        #expect(range.payload == .fileRange(inode: 131, generation: 7, position: 4096, length: 8192, error: .ENODATA))
        let strange = EventRecord(domain: 99, type: 42).event
        #expect(strange.domain == .unknown(99) && strange.kind == .unknown(42) && strange.payload == .none)
        #expect(EventRecord.media(daddr: UInt64.max - 1, bbcount: 4).event.mediaRange == ByteRange(0, 0))
    }

    /// The lines xfs_healer 7.2 printed on Linux 7.2 (the guest test bed, see
    /// the project's notes), and the rest of its wording.
    /// Bytes a real Linux 7.2 health monitor gave (Tests/Fixtures/healthmon/README.md),
    /// decoded and worded; the facts are what the recording knew.
    @Test func decodesWhatLinux72Recorded() throws {
        let fixtures = RepoPaths.root + "/Tests/Fixtures/healthmon/healthmon-linux-7.2.13"
        let bytes = try readWholeFile(fixtures + ".bin")
        var facts: [String: UInt64] = [:]
        for pair in String(decoding: try readWholeFile(fixtures + ".facts"), as: UTF8.self).split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = UInt64(parts[1]) { facts[String(parts[0])] = value }
        }
        let ino = try #require(facts["ino"]), gen = try #require(facts["gen"]).u32, bad = try #require(facts["bad_daddr"])
        let dirIno = try #require(facts["dir_ino"]), dirGen = try #require(facts["dir_gen"]).u32
        #expect(bytes.count % 64 == 0)
        var assembler = HealthEventAssembler()
        var events: [MonitorEvent] = []
        // Read as a reader with an odd buffer would get it.
        for start in stride(from: 0, to: bytes.count, by: 100) {
            events += bytes[start..<min(start + 100, bytes.count)].withUnsafeBytes { assembler.append($0) }
        }
        #expect(assembler.residue == 0 && events.count == bytes.count / 64)
        #expect(events.first?.kind == .running && events.first?.domain == .mount)
        #expect(events.last?.kind == .unmount && events.last?.domain == .mount)
        let unknown = events.filter { event in
            if case .unknown = event.domain { return true }
            if case .unknown = event.kind { return true }
            return false
        }
        #expect(unknown.isEmpty, "\(unknown)")
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time }, "times go forward")

        let read = try #require(events.first { $0.kind == .directRead })
        #expect(read.payload == .fileRange(inode: ino, generation: gen, position: 8192, length: 4096, error: .EIO))
        let media = try #require(events.first { $0.kind == .mediaError })
        #expect(media.domain == .dataDevice && media.payload == .media(daddr: bad, bbcount: 1))
        let lost = try #require(events.first { $0.kind == .dataLost })
        #expect(lost.payload == .fileRange(inode: ino, generation: gen, position: 8192, length: 4096, error: .EIO))
        let sick = events.filter { $0.domain == .inode && $0.kind == .sick }
        #expect(!sick.isEmpty && sick.allSatisfy { $0.payload == .inode(mask: 0x10, inode: dirIno, generation: dirGen) })
        #expect(events.contains { $0.domain == .inode && $0.kind == .healthy && $0.payload == .inode(mask: 0x10, inode: dirIno, generation: dirGen) })
        let shutdown = try #require(events.first { $0.kind == .shutdown })
        guard case .shutdown(let reasons) = shutdown.payload else { Issue.record("\(shutdown)"); return }
        #expect(reasons & 0x4 != 0, "forced unmount (xfs_io shutdown)")

        let wording = EventWording(mountPoint: "/mnt")
        #expect(wording.entry(for: read, subject: RawPath("/mnt/photos/beach.raw")).message
                == "/mnt/photos/beach.raw pos 8192 len 4096: directio_read: Input/output error")
        #expect(wording.entry(for: media, subject: nil).message == "/mnt datadev daddr 0x\(String(bad, radix: 16)) bbcount 0x1: media error")
        #expect(wording.entry(for: lost, subject: RawPath("/mnt/photos/beach.raw")).message == "/mnt/photos/beach.raw pos 8192 len 4096: media failed")
        #expect(wording.entry(for: sick[0], subject: RawPath("/mnt/mail")).message == "/mnt/mail directory: sick")
    }

    @Test func wordsEventsAsXfsHealer() {
        #expect(line(EventRecord(domain: 0, type: 0)) == "/mnt: monitoring started")
        #expect(line(EventRecord.media(daddr: 0x805, bbcount: 1)) == "/mnt datadev daddr 0x805 bbcount 0x1: media error")
        #expect(line(EventRecord.fileRange(type: 12, inode: 131, generation: 2, position: 950_272, length: 4096, error: 5),
                     subject: "/mnt/photos/beach.raw") == "/mnt/photos/beach.raw pos 950272 len 4096: media failed")
        #expect(line(EventRecord.fileRange(type: 10, inode: 131, generation: 2, position: 0, length: 1_048_576, error: 5),
                     subject: "/mnt/photos/beach.raw") == "/mnt/photos/beach.raw pos 0 len 1048576: directio_read: Input/output error")
        #expect(line(EventRecord.inode(type: 3, mask: 0x10, inode: 1024, generation: 1), subject: "/mnt/mail") == "/mnt/mail directory: sick")
        #expect(line(EventRecord.inode(type: 5, mask: 0x10, inode: 1024, generation: 1), subject: "/mnt/mail") == "/mnt/mail directory: healthy")
        #expect(line(EventRecord(domain: 0, type: 2)) == "/mnt: filesystem unmounted")
        // The rest of xfs_healer's log format (libfrog/healthevent.c).
        var lost = EventRecord(domain: 0, type: 1)
        lost.put(UInt64(32), at: 16)
        #expect(line(lost) == "/mnt: 32 events lost")
        #expect(line(EventRecord.group(domain: 2, type: 3, mask: 0x110, number: 5)) == "/mnt agno 0x5 bnobt, rmapbt: sick")
        #expect(line(EventRecord.group(domain: 4, type: 4, mask: 0x2, number: 5)) == "/mnt rgno 0x5 bitmap: corrupt")
        var fs = EventRecord(domain: 1, type: 3)
        fs.put(UInt32(0x81), at: 16)
        #expect(line(fs) == "/mnt fscounters, nlinks: sick")
        #expect(line(EventRecord.inode(type: 4, mask: 0x2, inode: 13, generation: 3)) == "/mnt ino 13 gen 0x3 datafork: corrupt")
        #expect(line(EventRecord.fileRange(type: 11, inode: 13, generation: 3, position: 4096, length: 4096, error: 5))
                 == "/mnt ino 13 gen 0x3 pos 4096 len 4096: directio_write: Input/output error")
        var shutdown = EventRecord(domain: 0, type: 6)
        shutdown.put(UInt32(0x3), at: 16)
        #expect(line(shutdown) == "/mnt: filesystem shut down due to metadata I/O error, log I/O error")
    }

    @Test func entriesCarryFieldsAndPriorities() {
        let lost = wording.entry(for: EventRecord.fileRange(type: 12, inode: 131, generation: 2, position: 950_272, length: 4096, error: 5).event,
                                 subject: RawPath("/mnt/a"))
        #expect(lost.priority == .error)
        #expect(lost.field("XVM_EVENT") == "datalost" && lost.field("XVM_PATH") == "/mnt/a" && lost.field("XVM_INODE") == "131")
        #expect(lost.field("XVM_OFFSET") == "950272" && lost.field("XVM_LENGTH") == "4096" && lost.field("XVM_MOUNTPOINT") == "/mnt")
        let media = wording.entry(for: EventRecord.media(daddr: 0x805, bbcount: 1).event, subject: nil)
        #expect(media.priority == .warning && media.field("XVM_DEVICE") == "data" && media.field("XVM_DADDR") == "2053")
        let read = wording.entry(for: EventRecord.fileRange(type: 10, inode: 1, generation: 1, position: 0, length: 512, error: 5).event,
                                 subject: nil)
        #expect(read.field("ERRNO") == "5" && read.field("XVM_ERROR") == "EIO")
    }

    @Test func wholeRecordsFromAStreamCutAnywhere() {
        let records = [EventRecord(domain: 0, type: 0), EventRecord.media(daddr: 0x805, bbcount: 1),
                       EventRecord.inode(type: 3, mask: 0x10, inode: 1024, generation: 1)]
        let stream = records.flatMap(\.bytes)
        for cuts in [[10, 100, 82], [64, 64, 64], [1, 190, 1], [63, 2, 127], [192]] {
            var assembler = HealthEventAssembler()
            var events: [MonitorEvent] = []
            var offset = 0
            for count in cuts {
                events += stream[offset..<offset + count].withUnsafeBytes { assembler.append($0) }
                offset += count
            }
            #expect(events == records.map(\.event), "cut as \(cuts)")
            #expect(assembler.residue == 0)
        }
        var assembler = HealthEventAssembler()
        #expect(stream[0..<100].withUnsafeBytes { assembler.append($0) }.count == 1)
        #expect(assembler.residue == 36)
    }

    @Test func repairOutcomesReadAsXfsHealerReadsThem() {
        #expect(RepairOutcome(flags: 0) == .repaired)
        #expect(RepairOutcome(flags: 0x80) == .unnecessary)
        #expect(RepairOutcome(flags: 0x8) == .probablyFixed)
        #expect(RepairOutcome(flags: 0x2) == .failed)
        #expect(RepairOutcome(flags: 0x20 | 0x80) == .failed)
        #expect(RepairOutcome.repaired.text == "Repairs successful.")
        #expect(RepairOutcome.unnecessary.text == "No modification needed.")
        #expect(RepairOutcome.failed.text == "Repair unsuccessful; offline repair required.")
        #expect(RepairOutcome.failed.needsOfflineRepair && !RepairOutcome.repaired.needsOfflineRepair)
    }

    /// Each sick bit maps to the scrub type that repairs exactly that structure.
    @Test func sickBitsMapToScrubTypes() {
        func types(_ mask: UInt32, _ domain: MonitorEvent.Domain) -> [UInt32?] {
            MetadataStructure.named(in: mask, domain: domain).map(\.scrubType)
        }
        #expect(types(0x110, .ag) == [5, 9])                 // bnobt, rmapbt
        #expect(types(0x1 | 0x8, .ag) == [1, 4])             // sb, agi
        #expect(types(0x400, .ag) == [nil])                  // "inodes": each inode has its own event
        #expect(types(0x10, .inode) == [15])                 // directory
        #expect(types(0x1 | 0x2 | 0x100, .inode) == [11, 12, 28])
        #expect(types(0x1 | 0x80, .fs) == [24, 26])          // fscounters, nlinks
        #expect(types(0x1 | 0x10, .rtgroup) == [30, 32])     // rgsuper, rtrefcountbt
    }

    @Test func anEventStormBecomesOneVerification() {
        var backlog = MediaBacklog(neighbourhood: 1 << 20)
        let base: UInt64 = 64 << 20
        for index in 0..<100 {
            backlog.add(.data, ByteRange(base + UInt64(index) * 4096, base + UInt64(index) * 4096 + 512), time: 100)
        }
        backlog.add(.data, ByteRange(512 << 20, (512 << 20) + 512), time: 100)
        backlog.add(.log, ByteRange(0, 512), time: 100)
        let next = backlog.next(sector: { _ in 512 }, section: { _ in ByteRange(0, 1 << 30) })
        #expect(next?.0 == .data)
        #expect(next?.1 == [ByteRange(base - (1 << 20), base + 99 * 4096 + 512 + (1 << 20)),
                            ByteRange((511 << 20), (513 << 20) + 512)])
        backlog.verified(.data, next!.1, finished: 200, section: ByteRange(0, 1 << 30))
        // The kernel engine's own reports during that verification are covered...
        let ownReport = backlog.add(.data, ByteRange(base, base + 512), time: 150)
        #expect(!ownReport)
        // ...a new error later is not, nor is one outside what was read.
        let later = backlog.add(.data, ByteRange(base, base + 512), time: 300)
        let elsewhere = backlog.add(.data, ByteRange(900 << 20, (900 << 20) + 512), time: 150)
        #expect(later && elsewhere)
        let then = backlog.next(sector: { _ in 4096 }, section: { _ in ByteRange(0, (900 << 20) + 100) })
        #expect(then?.1 == [ByteRange(base - (1 << 20), base + (1 << 20) + 4096), ByteRange(899 << 20, (900 << 20) + 100)])
        backlog.verified(.data, then!.1, finished: 400, section: ByteRange(0, (900 << 20) + 100))
        #expect(backlog.next(sector: { _ in 512 }, section: { _ in ByteRange(0, 1 << 30) })?.0 == .log)
        backlog.scannedEverything(started: 150)
        #expect(backlog.isEmpty)
    }

    @Test func aNeighbourhoodStaysInItsSection() {
        // A zoned filesystem's rt section on the data device, from 256 MiB on:
        // rt daddrs are the disk's, the data section is not the rt device's.
        var backlog = MediaBacklog(neighbourhood: 1 << 20)
        let rtstart: UInt64 = 256 << 20
        backlog.add(.rt, ByteRange(rtstart + 4096, rtstart + 4608), time: 100)
        let next = backlog.next(sector: { _ in 4096 }, section: { _ in ByteRange(rtstart, 1 << 30) })
        #expect(next?.0 == .rt)
        #expect(next?.1 == [ByteRange(rtstart, rtstart + 4096 + (1 << 20) + 4096)])
        backlog.verified(.rt, next!.1, finished: 200, section: ByteRange(rtstart, 1 << 30))
        #expect(backlog.isEmpty)
        // A report reaching below the section is covered by what of it is the rt device's.
        let straddling = backlog.add(.rt, ByteRange(rtstart - 512, rtstart + 512), time: 150)
        #expect(!straddling)
    }

    @Test func unitNamesAreEscapedAsSystemdEscapesPaths() throws {
        let cases = ["/": "-", "/srv/data": "srv-data", "/var/tmp/my-disk/": "var-tmp-my\\x2ddisk",
                     "/mnt/.hidden": "mnt-.hidden", "/.x": "\\x2ex", "/a b": "a\\x20b", "//a//b": "a-b", "/ü": "\\xc3\\xbc"]
        for (path, escaped) in cases {
            #expect(SystemdUnits.escapePath(path) == escaped, "\(path)")
            if let tool = findExecutable("systemd-escape") {
                let run = try runCommand([tool, "--path", path])
                #expect(run.stdout.trimmingCharacters(in: .newlines) == escaped, "systemd-escape --path \(path)")
            }
        }
        #expect(SystemdUnits.instance(of: SystemdUnits.watchTemplate, path: "/srv/data") == "xfs_verify_media_watch@srv-data.service")
        #expect(SystemdUnits.instance(of: SystemdUnits.healerTemplate, path: "/") == "xfs_healer@-.service")
    }

    /// fanotify events as read(2) returns them: metadata (24 bytes) and
    /// the mount info record (16 bytes), 40 bytes per mount event.
    @Test func mountEventsDecode() {
        func event(mask: UInt64, id: UInt64?) -> [UInt8] {
            var record = EventRecord(domain: 0, type: 0)
            record.bytes = [UInt8](repeating: 0, count: id == nil ? 24 : 40)
            record.put(UInt32(record.bytes.count), at: 0)
            record.bytes[4] = 3            // FANOTIFY_METADATA_VERSION
            record.put(UInt16(24), at: 6)
            record.put(mask, at: 8)
            record.put(Int32(-1), at: 16)  // FAN_NOFD
            if let id {
                record.bytes[24] = 7       // FAN_EVENT_INFO_TYPE_MNT
                record.put(UInt16(16), at: 26)
                record.put(id, at: 32)
            }
            return record.bytes
        }
        let bytes = event(mask: 0x0100_0000, id: 0x1_0000_003A) + event(mask: 0x0200_0000, id: 0x1_0000_0039)
            + event(mask: 0x4000, id: nil) + [1, 2, 3]
        let decoded = bytes.withUnsafeBytes { MountNotification.decode($0) }
        #expect(decoded == [.attached(0x1_0000_003A), .detached(0x1_0000_0039), .overflow])
    }

    @Test func journalDatagramFollowsTheNativeProtocol() {
        let datagram = JournalWriter.encode([("MESSAGE", "one line"), ("xvm path", "/a\nb"), ("_PID", "1"), ("9X", "y")])
        var expected = Array("MESSAGE=one line\nXVM_PATH\n".utf8)
        withUnsafeBytes(of: UInt64(4).littleEndian) { expected += $0 }
        expected += Array("/a\nb\n9X=y\n".utf8)
        #expect(datagram == expected)
    }

    /// The writer sends exactly one datagram per entry to the socket it is given.
    @Test func journalWriterSendsOneDatagram() throws {
        let directory = try makeTemporaryDirectory("journal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/socket"
        let server = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(server) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        let log = MachineLog(identifier: "xvm-test", output: -1, journal: .some(try JournalWriter(socketPath: path)))
        log.log("/mnt: 3 events lost", priority: .warning, [.init("XVM_LOST", "3")])
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(server, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        #expect(String(decoding: buffer[0..<max(count, 0)], as: UTF8.self)
                == "MESSAGE=/mnt: 3 events lost\nPRIORITY=4\nSYSLOG_IDENTIFIER=xvm-test\nXVM_LOST=3\n")
    }
}

extension UInt64 {
    var u32: UInt32 { UInt32(truncatingIfNeeded: self) }
}

/// A fresh directory under /tmp.
func makeTemporaryDirectory(_ label: String) throws -> String {
    var template = Array("/tmp/xvm-\(label)-XXXXXX".utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        throw TestBedError("mkdtemp: \(String(cString: strerror(errno)))")
    }
    return String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
}
