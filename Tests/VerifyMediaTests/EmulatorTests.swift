// The XFS_IOC_VERIFY_MEDIA emulator (Tests/Emulator) against the kernel's
// semantics (fs/xfs/xfs_verify_media.c, Linux 7.0), one rule per test, on
// real test beds: `verify_media_call` makes one ioctl under LD_PRELOAD and
// the fault disk shows which sectors were read.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

// MARK: - Helpers shared with KernelEngineTests

/// The emulator library, its one-call driver, and their outputs.
enum Emulator {
    static var library: String { RepoPaths.root + "/.build/testbed/libverify_media_emulator.so" }
    static var driver: String { RepoPaths.root + "/.build/testbed/verify_media_call" }

    /// Builds (or refreshes) both with make, once per test process; nil when they are there.
    static let buildError: String? = {
        let make = try? runCommand(["make", "-s", "-C", RepoPaths.root, ".build/testbed/libverify_media_emulator.so",
                                    ".build/testbed/verify_media_call"], timeout: .seconds(300))
        if let make, make.succeeded, access(library, R_OK) == 0, access(driver, X_OK) == 0 { return nil }
        if make == nil, access(library, R_OK) == 0, access(driver, X_OK) == 0 { return nil }
        return "cannot build the emulator: \(make?.description ?? "make not found")"
    }()

    static func ensureBuilt() throws {
        if let buildError { throw TestBedError(buildError) }
    }

    /// What `verify_media_call` printed: the ioctl's result and the struct after it.
    struct Call: CustomStringConvertible {
        let ret: Int
        let errno: String
        let start: UInt64
        let end: UInt64
        let ioerror: String
        let elapsed: Duration
        let line: String
        var description: String { line }
    }

    /// Copies of the driver and the library for another user (`StagedCopies`).
    static func staged() throws -> StagedCopies {
        try ensureBuilt()
        return try StagedCopies([driver, library])
    }

    /// One ioctl through the driver. `preload: false` runs it without the
    /// emulator; `wrapper` goes in front (setpriv ...), with `staged` copies
    /// when it changes the user.
    static func call(_ bed: TestBed, path: String? = nil, dev: UInt32 = 1, start: UInt64, end: UInt64,
                     flags: UInt32 = 0, maxIO: UInt32 = 0, restMicroseconds: UInt32 = 0, pad: UInt32 = 0,
                     log: EmulatorLog? = nil, preload: Bool = true, wrapper: [String] = [], staged: StagedCopies? = nil,
                     environment: [String: String] = [:]) throws -> Call {
        try ensureBuilt()
        var env = environment
        env["LD_PRELOAD"] = preload ? (staged?.path(library) ?? library) : ""
        if let log { env.merge(log.environment) { _, new in new } }
        let argv = wrapper + [staged?.path(driver) ?? driver, path ?? bed.mountPoint, String(dev), String(start), String(end), String(flags),
                              String(maxIO), String(restMicroseconds), String(pad)]
        let began = ContinuousClock.now
        let result = try bed.run(argv, environment: env, timeout: .seconds(60))
        let elapsed = ContinuousClock.now - began
        guard result.status == 0 else { throw TestBedError("\(result)") }
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let f = emulatorFields(line)
        guard let ret = f["ret"].flatMap({ Int($0) }), let errno = f["errno"], let start = f["start"].flatMap({ UInt64($0) }),
              let end = f["end"].flatMap({ UInt64($0) }), let ioerror = f["ioerror"] else {
            throw TestBedError("unexpected driver output: \(result.stdout) \(result.stderr)")
        }
        return Call(ret: ret, errno: errno, start: start, end: end, ioerror: ioerror, elapsed: elapsed, line: line)
    }
}

/// "a=1 b=x -> c=2" -> ["a": "1", "b": "x", "c": "2"] (a later key wins).
func emulatorFields(_ line: some StringProtocol) -> [String: String] {
    var fields: [String: String] = [:]
    for token in line.split(separator: " ") {
        guard let eq = token.firstIndex(of: "=") else { continue }
        fields[String(token[..<eq])] = String(token[token.index(after: eq)...])
    }
    return fields
}

/// The emulator's log file ($XVM_EMULATOR_LOG): REPORT lines, and with
/// tracing CALL (and BIO) lines. Removed when released.
final class EmulatorLog {
    let path: String
    let trace: Int

    init(trace: Int = 1) {
        path = "/tmp/xvm-emulator-\(getpid())-\(UUID().uuidString.prefix(8)).log"
        self.trace = trace
        unlink(path)
    }

    deinit { unlink(path) }

    var environment: [String: String] { ["XVM_EMULATOR_LOG": path, "XVM_EMULATOR_TRACE": String(trace)] }

    func lines() throws -> [String] {
        guard access(path, F_OK) == 0 else { return [] }
        return String(decoding: try readWholeFile(path), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func clear() { unlink(path) }

    struct Report: Equatable, CustomStringConvertible {
        let dev: UInt32
        let daddr: UInt64
        let bbcount: UInt64
        let errno: String
        var range: Range<UInt64> { daddr ..< daddr + bbcount }
        var description: String { "REPORT dev=\(dev) daddr=\(daddr) bbcount=\(bbcount) errno=\(errno)" }
    }

    /// Every REPORT line; throws on a malformed one (an interleaved write, say).
    func reports() throws -> [Report] {
        try lines().filter { $0.hasPrefix("REPORT ") }.map { line in
            let f = emulatorFields(line)
            guard let dev = f["dev"].flatMap({ UInt32($0) }), let daddr = f["daddr"].flatMap({ UInt64($0) }),
                  let bbcount = f["bbcount"].flatMap({ UInt64($0) }), let errno = f["errno"], f.count == 4 else {
                throw TestBedError("malformed REPORT line: \(line)")
            }
            return Report(dev: dev, daddr: daddr, bbcount: bbcount, errno: errno)
        }
    }

    /// The fields of every CALL line (input fields plain, output fields after "->" prefixed "out_").
    func calls() throws -> [[String: String]] {
        try lines().filter { $0.hasPrefix("CALL ") }.map { line in
            let halves = line.components(separatedBy: " -> ")
            guard halves.count == 2 else { throw TestBedError("malformed CALL line: \(line)") }
            var fields = emulatorFields(halves[0])
            for (key, value) in emulatorFields(halves[1]) { fields["out_" + key] = value }
            return fields
        }
    }

    /// The number of bios of the last CALL.
    func lastBios() throws -> Int? {
        try calls().last?["out_bios"].flatMap { Int($0) }
    }
}

// MARK: - The emulator's own tests

@Suite(.serialized, .kernelLacksVerifyMedia)
struct EmulatorTests {
    /// A test bed: 512 MiB (1 Mi sectors), 4 AGs.
    static let sectors: UInt64 = (512 << 20) / 512
    /// A daddr in free space (AG 2), 1 MiB aligned, where faults bother no one but the emulator.
    static let base: UInt64 = (300 << 20) / 512
    static let mib: UInt64 = 2048

    /// Sectors [from, to) of the read map.
    func reads(_ bed: TestBed, _ from: UInt64, _ to: UInt64, disk: TestDisk? = nil) throws -> [UInt16] {
        Array(try (disk ?? bed.data).readMap()[Int(from)..<Int(to)])
    }

    /// Arms `kind` on sectors [daddr, daddr + count) of the data device.
    func arm(_ bed: TestBed, _ kind: FaultKind, daddr: UInt64, count: UInt64 = 1, disk: TestDisk? = nil) throws {
        try (disk ?? bed.data).arm(kind, offset: daddr * 512, length: count * 512)
    }

    // MARK: Entry checks (xfs_ioc_verify_media)

    @Test func withoutCapSysAdminEPERM() throws {
        try Emulator.ensureBuilt()
        let setpriv = try #require(findExecutable("setpriv"), "setpriv (util-linux) is needed")
        // Nobody may not reach the checkout: the programs are copied out of it.
        let staged = try Emulator.staged()
        try TestBed.with { bed in
            try bed.data.resetCounters()
            // Not root, and root without CAP_SYS_ADMIN: capable() fails first,
            // before the struct is even looked at (pad and me_dev are bad too).
            let nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
            let noCap = [setpriv, "--inh-caps=-sys_admin", "--bounding-set=-sys_admin"]
            for wrapper in [nobody, noCap] {
                let call = try Emulator.call(bed, start: 0, end: Self.mib, wrapper: wrapper, staged: staged)
                #expect(call.ret == -1 && call.errno == "EPERM", "\(wrapper): \(call)")
                let bad = try Emulator.call(bed, dev: 9, start: 0, end: Self.mib, pad: 1, wrapper: wrapper, staged: staged)
                #expect(bad.errno == "EPERM", "\(wrapper): \(bad)")
            }
            #expect(try bed.data.totals().reads == 0)
            // The same call as root works.
            #expect(try Emulator.call(bed, start: 0, end: Self.mib).ret == 0)
        }
    }

    @Test func badPointerEFAULT() throws {
        try TestBed.with { bed in
            let call = try Emulator.call(bed, start: 0, end: 8, environment: ["XVM_CALL_BAD_POINTER": "1"])
            #expect(call.ret == -1 && call.errno == "EFAULT", "\(call)")
        }
    }

    @Test func nonzeroPadEINVAL() throws {
        try TestBed.with { bed in
            try bed.data.resetCounters()
            for pad: UInt32 in [1, 0x8000_0000] {
                let call = try Emulator.call(bed, start: 0, end: Self.mib, pad: pad)
                #expect(call.ret == -1 && call.errno == "EINVAL", "pad \(pad): \(call)")
            }
            // Checked before the device: an internal log would be ENODEV.
            #expect(try Emulator.call(bed, dev: 2, start: 0, end: 8, pad: 1).errno == "EINVAL")
            #expect(try bed.data.totals().reads == 0)
        }
    }

    @Test func unknownFlagEINVAL() throws {
        try TestBed.with { bed in
            try bed.data.resetCounters()
            for flags: UInt32 in [2, 3, 0x8000_0000] {
                let call = try Emulator.call(bed, start: 0, end: Self.mib, flags: flags)
                #expect(call.ret == -1 && call.errno == "EINVAL", "flags \(flags): \(call)")
            }
            #expect(try Emulator.call(bed, dev: 3, start: 0, end: 8, flags: 2).errno == "EINVAL")
            #expect(try bed.data.totals().reads == 0)
            // XFS_VERIFY_MEDIA_REPORT alone is valid.
            let call = try Emulator.call(bed, start: 0, end: 8, flags: 1)
            #expect(call.ret == 0 && call.start == 8, "\(call)")
        }
    }

    @Test func badDeviceEINVAL() throws {
        try TestBed.with { bed in
            try bed.data.resetCounters()
            for dev: UInt32 in [0, 4, 0xffff_ffff] {
                let call = try Emulator.call(bed, dev: dev, start: 0, end: Self.mib)
                #expect(call.ret == -1 && call.errno == "EINVAL", "dev \(dev): \(call)")
            }
            #expect(try bed.data.totals().reads == 0)
        }
    }

    // MARK: Device selection

    @Test func internalLogAndNoRealtimeENODEV() throws {
        try TestBed.with { bed in
            #expect(bed.log == nil && bed.realtime == nil)
            try bed.data.resetCounters()
            for dev: UInt32 in [2, 3] {
                let call = try Emulator.call(bed, dev: dev, start: 0, end: 8)
                #expect(call.ret == -1 && call.errno == "ENODEV", "dev \(dev): \(call)")
                // An empty range too: the device comes before the range checks.
                #expect(try Emulator.call(bed, dev: dev, start: 1, end: 0).errno == "ENODEV")
            }
            #expect(try bed.data.totals().reads == 0)
        }
    }

    @Test func externalLogDeviceIsRead() throws {
        try TestBed.with(TestBedOptions(externalLogSize: 64 << 20)) { bed in
            let log = try #require(bed.log)
            let logSectors: UInt64 = (64 << 20) / 512
            try log.resetCounters()
            try bed.data.resetCounters()
            let call = try Emulator.call(bed, dev: 2, start: 0, end: .max)
            #expect(call.ret == 0 && call.ioerror == "0", "\(call)")
            #expect(call.end == logSectors && call.start == logSectors, "\(call)")
            #expect(try log.readMap().allSatisfy { $0 == 1 })
            #expect(try bed.data.readMap()[Int(Self.base)..<Int(Self.base + Self.mib)].allSatisfy { $0 == 0 })

            // A bad log sector is reported as device 2.
            let report = EmulatorLog()
            try arm(bed, .eio, daddr: 5000, disk: log)
            let bad = try Emulator.call(bed, dev: 2, start: 4096, end: 8192, flags: 1, log: report)
            #expect(bad.ret == 0 && bad.start == 4096 && bad.ioerror == "EIO", "\(bad)")
            #expect(try report.reports() == [.init(dev: 2, daddr: 4096, bbcount: 2048, errno: "EIO")])
            // XFS_DEV_DATA still means the data device.
            try log.resetCounters()
            #expect(try Emulator.call(bed, dev: 1, start: Self.base, end: Self.base + 16).start == Self.base + 16)
            #expect(try reads(bed, Self.base, Self.base + 16).allSatisfy { $0 == 1 })
            #expect(try log.totals().reads == 0)
        }
    }

    @Test(.enabled(if: TestBed.realtimeUnavailableReason == nil,
                   Comment(rawValue: "no realtime test bed: \(TestBed.realtimeUnavailableReason ?? "")")))
    func realtimeDeviceIsRead() throws {
        try TestBed.with(TestBedOptions(realtimeSize: 64 << 20)) { bed in
            let rt = try #require(bed.realtime)
            try rt.resetCounters()
            let call = try Emulator.call(bed, dev: 3, start: 0, end: .max)
            #expect(call.ret == 0 && call.start == (64 << 20) / 512 && call.end == call.start, "\(call)")
            #expect(try rt.readMap().allSatisfy { $0 == 1 })
            #expect(try Emulator.call(bed, dev: 2, start: 0, end: 8).errno == "ENODEV")
        }
    }

    // MARK: Range checks (xfs_verify_media, before the loop)

    @Test func endClampedToDeviceSize() throws {
        try TestBed.with { bed in
            let start = Self.sectors - 2 * Self.mib
            let call = try Emulator.call(bed, start: start, end: .max)
            #expect(call.ret == 0 && call.ioerror == "0", "\(call)")
            #expect(call.end == Self.sectors && call.start == Self.sectors, "\(call)")
            // Starting beyond the end: the clamped end comes back, nothing is read.
            try bed.data.resetCounters()
            let beyond = try Emulator.call(bed, start: Self.sectors + 8, end: Self.sectors + 4096)
            #expect(beyond.ret == 0 && beyond.start == Self.sectors + 8 && beyond.end == Self.sectors, "\(beyond)")
            #expect(try bed.data.totals().reads == 0)
            // An end inside the device is left alone.
            let inside = try Emulator.call(bed, start: Self.base, end: Self.base + 8)
            #expect(inside.end == Self.base + 8 && inside.start == Self.base + 8, "\(inside)")
        }
    }

    @Test func misalignedRangeEINVALOn4KiBSectors() throws {
        try TestBed.with(TestBedOptions(logicalSectorSize: 4096)) { bed in
            try bed.data.resetCounters()
            // Alignment is checked before the empty-range return.
            let empty = try Emulator.call(bed, start: 1, end: 1)
            #expect(empty.ret == -1 && empty.errno == "EINVAL", "\(empty)")
            let zero = try Emulator.call(bed, start: 0, end: 0)
            #expect(zero.ret == 0 && zero.start == 0 && zero.end == 0, "\(zero)")
            for (start, end) in [(8, 17), (9, 16), (4, 8), (8, 4)] as [(UInt64, UInt64)] {
                let call = try Emulator.call(bed, start: Self.base + start, end: Self.base + end)
                #expect(call.ret == -1 && call.errno == "EINVAL", "\(start)..\(end): \(call)")
            }
            #expect(try bed.data.totals().reads == 0)
            // EINVAL copies nothing back (the caller's end is not clamped).
            let unclamped = try Emulator.call(bed, start: 1, end: .max)
            #expect(unclamped.errno == "EINVAL" && unclamped.end == .max, "\(unclamped)")
            // The clamp comes first: an unaligned end past the device becomes the aligned device end.
            let clamped = try Emulator.call(bed, start: Self.sectors - 8, end: Self.sectors + 1)
            #expect(clamped.ret == 0 && clamped.end == Self.sectors && clamped.start == Self.sectors, "\(clamped)")
            // Aligned ranges work; bios are at least one logical sector (max_io 512 -> 4 KiB).
            let log = EmulatorLog()
            let aligned = try Emulator.call(bed, start: Self.base + 8, end: Self.base + 40, maxIO: 512, log: log)
            #expect(aligned.ret == 0 && aligned.start == Self.base + 40, "\(aligned)")
            #expect(try log.lastBios() == 4)
        }
    }

    @Test func emptyRangeReadsNothing() throws {
        try TestBed.with { bed in
            try bed.data.resetCounters()
            for (start, end) in [(Self.base, Self.base), (Self.base + Self.mib, Self.base), (1, 1), (0, 0)] {
                let call = try Emulator.call(bed, start: start, end: end)
                #expect(call.ret == 0 && call.ioerror == "0", "\(call)")
                #expect(call.start == start && call.end == end, "\(call)")
            }
            #expect(try bed.data.totals().reads == 0)
            #expect(try bed.data.readMap().allSatisfy { $0 == 0 })
        }
    }

    // MARK: The read loop

    @Test func cleanRangeVerifiesToTheEnd() throws {
        try TestBed.with { bed in
            try bed.writeFile("file", size: 4096)
            try bed.data.resetCounters()
            let log = EmulatorLog()
            // Any file of the filesystem will do, not just the mount point.
            let end = Self.base + 3 * Self.mib + 8
            let call = try Emulator.call(bed, path: bed.path("file"), start: Self.base, end: end, flags: 1, log: log)
            #expect(call.ret == 0 && call.ioerror == "0" && call.start == end && call.end == end, "\(call)")
            #expect(try log.lastBios() == 4)
            #expect(try log.reports().isEmpty)
            // Every sector of the range read exactly once (queue depth 1, no retries), nothing around it.
            #expect(try reads(bed, Self.base, end).allSatisfy { $0 == 1 })
            #expect(try reads(bed, Self.base - Self.mib, Self.base).allSatisfy { $0 == 0 })
            #expect(try reads(bed, end, end + Self.mib).allSatisfy { $0 == 0 })
        }
    }

    @Test func faultInFirstBioSetsIoerror() throws {
        try TestBed.with { bed in
            try arm(bed, .eio, daddr: Self.base + 700)
            try bed.data.resetCounters()
            let call = try Emulator.call(bed, start: Self.base, end: Self.base + 4 * Self.mib)
            #expect(call.ret == 0 && call.ioerror == "EIO", "\(call)")
            #expect(call.start == Self.base && call.end == Self.base + 4 * Self.mib, "\(call)")
            // It stopped at the failed bio.
            #expect(try reads(bed, Self.base + Self.mib, Self.base + 4 * Self.mib).allSatisfy { $0 == 0 })
        }
    }

    @Test func faultInLaterBioIsAShortAdvance() throws {
        try TestBed.with { bed in
            let bad = Self.base + 2 * Self.mib + 1000
            try arm(bed, .eio, daddr: bad)
            try bed.data.resetCounters()
            let call = try Emulator.call(bed, start: Self.base, end: Self.base + 4 * Self.mib)
            // start = the failed bio's start, me_ioerror not set.
            #expect(call.ret == 0 && call.ioerror == "0" && call.start == Self.base + 2 * Self.mib, "\(call)")
            #expect(try reads(bed, Self.base, Self.base + 2 * Self.mib).allSatisfy { $0 == 1 })
            #expect(try reads(bed, Self.base + 3 * Self.mib, Self.base + 4 * Self.mib).allSatisfy { $0 == 0 })
            // Asking again from there fails on the first bio and says why.
            let again = try Emulator.call(bed, start: call.start, end: call.end)
            #expect(again.ret == 0 && again.ioerror == "EIO" && again.start == call.start, "\(again)")
        }
    }

    @Test func mediaErrnosReportedAsSuch() throws {
        try TestBed.with { bed in
            let log = EmulatorLog()
            for (i, name) in ["ENODATA", "EILSEQ", "EIO"].enumerated() {
                let start = Self.base + UInt64(i) * 4 * Self.mib
                try arm(bed, name == "EIO" ? .eio : .errno(name), daddr: start + 10)
                log.clear()
                let first = try Emulator.call(bed, start: start, end: start + Self.mib, flags: 1, log: log)
                #expect(first.ret == 0 && first.ioerror == name && first.start == start, "\(first)")
                #expect(try log.reports() == [.init(dev: 1, daddr: start, bbcount: 2048, errno: name)])
            }
        }
    }

    @Test func transportErrnosReturnedButNeverReported() throws {
        try TestBed.with { bed in
            let log = EmulatorLog()
            for (i, name) in ["ETIMEDOUT", "ENOLINK", "EREMOTEIO"].enumerated() {
                let start = Self.base + UInt64(i) * 4 * Self.mib
                try arm(bed, .errno(name), daddr: start + Self.mib + 10)
                // In the first bio: me_ioerror says so, and no REPORT.
                let first = try Emulator.call(bed, start: start + Self.mib, end: start + 2 * Self.mib, flags: 1, log: log)
                #expect(first.ret == 0 && first.ioerror == name && first.start == start + Self.mib, "\(first)")
                // In a later bio: a short advance, no REPORT either.
                let later = try Emulator.call(bed, start: start, end: start + 2 * Self.mib, flags: 1, log: log)
                #expect(later.ret == 0 && later.ioerror == "0" && later.start == start + Self.mib, "\(later)")
            }
            let lines = try log.lines()
            #expect(try log.reports().isEmpty, "\(lines)")
            #expect(try log.calls().count == 6)
        }
    }

    @Test func reportOnlyWithTheFlagAndOnlyForTheFailedBio() throws {
        try TestBed.with { bed in
            let log = EmulatorLog()
            try arm(bed, .eio, daddr: Self.base + 2 * Self.mib + 5)
            let range = (Self.base, Self.base + 4 * Self.mib)
            // Without the flag: the same short advance, no REPORT.
            let quiet = try Emulator.call(bed, start: range.0, end: range.1, log: log)
            #expect(quiet.start == Self.base + 2 * Self.mib && quiet.ioerror == "0", "\(quiet)")
            #expect(try log.reports().isEmpty)
            // With it: one line, for the failed bio only (not the two good ones
            // before it), also when me_ioerror stays 0.
            let loud = try Emulator.call(bed, start: range.0, end: range.1, flags: 1, log: log)
            #expect(loud.start == Self.base + 2 * Self.mib && loud.ioerror == "0", "\(loud)")
            #expect(try log.reports() == [.init(dev: 1, daddr: Self.base + 2 * Self.mib, bbcount: 2048, errno: "EIO")])
            // A last, shorter bio is reported with its own length.
            log.clear()
            let tail = try Emulator.call(bed, start: Self.base + Self.mib, end: Self.base + 2 * Self.mib + 24, flags: 1, log: log)
            #expect(tail.start == Self.base + 2 * Self.mib && tail.ioerror == "0", "\(tail)")
            #expect(try log.reports() == [.init(dev: 1, daddr: Self.base + 2 * Self.mib, bbcount: 24, errno: "EIO")])
            // A range that reads fine reports nothing, flag or not.
            log.clear()
            #expect(try Emulator.call(bed, start: range.0, end: range.0 + 2 * Self.mib, flags: 1, log: log).ioerror == "0")
            #expect(try log.reports().isEmpty)
        }
    }

    @Test func bioSizes() throws {
        try TestBed.with { bed in
            let log = EmulatorLog()
            // (me_max_io_size, bio bytes): min_not_zero(1 MiB, max), at least a
            // sector, rounded up to a power-of-two number of pages (one folio).
            let cases: [(UInt32, UInt64)] = [(0, 1 << 20), (12 << 10, 16 << 10), (2 << 20, 1 << 20),
                                             (512, 4096), (4096, 4096), (100 << 10, 128 << 10), (1 << 20, 1 << 20)]
            for (i, (maxIO, bio)) in cases.enumerated() {
                let bioSectors = bio / 512
                let start = Self.base + UInt64(i) * 8 * Self.mib
                // A clean range of four bios.
                log.clear()
                let clean = try Emulator.call(bed, start: start, end: start + 4 * bioSectors, maxIO: maxIO, log: log)
                #expect(clean.start == start + 4 * bioSectors, "max_io \(maxIO): \(clean)")
                let lines = try log.lines()
                #expect(try log.lastBios() == 4, "max_io \(maxIO): \(lines)")
                // A fault in the third bio: the REPORT shows its exact start and length.
                try arm(bed, .eio, daddr: start + 2 * bioSectors + bioSectors / 2)
                try bed.data.resetCounters()
                log.clear()
                let bad = try Emulator.call(bed, start: start, end: start + 4 * bioSectors, flags: 1, maxIO: maxIO, log: log)
                #expect(bad.start == start + 2 * bioSectors && bad.ioerror == "0", "max_io \(maxIO): \(bad)")
                #expect(try log.reports() == [.init(dev: 1, daddr: start + 2 * bioSectors, bbcount: bioSectors, errno: "EIO")],
                        "max_io \(maxIO)")
                #expect(try reads(bed, start, start + 2 * bioSectors).allSatisfy { $0 == 1 })
                #expect(try reads(bed, start + 3 * bioSectors, start + 4 * bioSectors).allSatisfy { $0 == 0 })
            }
            // A range smaller than the I/O size is one bio.
            log.clear()
            #expect(try Emulator.call(bed, start: Self.base, end: Self.base + 24, log: log).start == Self.base + 24)
            #expect(try log.lastBios() == 1)
        }
    }

    @Test func restBetweenBios() throws {
        try TestBed.with { bed in
            let log = EmulatorLog()
            // 100 ms after each of the first three of four bios, none after the last.
            let slow = try Emulator.call(bed, start: Self.base, end: Self.base + 4 * Self.mib, restMicroseconds: 100_000, log: log)
            #expect(slow.start == Self.base + 4 * Self.mib && slow.elapsed >= .milliseconds(300), "\(slow) in \(slow.elapsed)")
            // One bio: no rest at all.
            let one = try Emulator.call(bed, start: Self.base, end: Self.base + Self.mib, restMicroseconds: 3_000_000)
            #expect(one.start == Self.base + Self.mib && one.elapsed < .milliseconds(2500), "\(one) in \(one.elapsed)")
            // The kernel computes me_rest_us * 1000 in 32 bits: 4294968 us wraps to 704 ns.
            let wrapped = try Emulator.call(bed, start: Self.base, end: Self.base + 4 * Self.mib, restMicroseconds: 4_294_968)
            #expect(wrapped.start == Self.base + 4 * Self.mib && wrapped.elapsed < .seconds(4), "\(wrapped) in \(wrapped.elapsed)")
        }
    }

    // MARK: Without the emulator

    @Test func withoutPreloadThisKernelSaysENOTTY() throws {
        try TestBed.with { bed in
            let plain = try Emulator.call(bed, start: 0, end: 0, preload: false)
            #expect(plain.ret == -1 && plain.errno == "ENOTTY", "\(plain)")
            // The emulator passes the ioctl through on other filesystems.
            let proc = try Emulator.call(bed, path: "/proc", start: 0, end: 0)
            #expect(proc.ret == -1 && proc.errno == "ENOTTY", "\(proc)")
            #expect(try Emulator.call(bed, start: 0, end: 0).ret == 0)
        }
    }
}
