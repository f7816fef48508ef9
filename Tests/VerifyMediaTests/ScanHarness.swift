// Running xfs_verify_media as a user does (the built binary on a real test
// bed), decoding its JSON report, and finding where files and metadata are
// on the device, independently of the tool (xfs_io fiemap/fsmap/bulkstat).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

// MARK: Availability

enum Harness {
    /// nil when the scan tests can run here; else why not, in one line.
    static let unavailableReason: String? = {
        if let reason = TestBed.unavailableReason { return "test bed unavailable: \(reason)" }
        if access(RepoPaths.binary, X_OK) != 0 {
            return "\(RepoPaths.binary) is not built (swift build --build-tests)"
        }
        return nil
    }()

    /// nil when the binary can run without a test bed.
    static let binaryUnavailableReason: String? =
        access(RepoPaths.binary, X_OK) == 0 ? nil : "\(RepoPaths.binary) is not built (swift build --build-tests)"

    /// The Python that can validate JSON Schema draft 2020-12, or nil.
    static let jsonschemaPython: String? = {
        for python in ["/usr/bin/python3", "python3"] where findExecutable(python) != nil {
            let probe = try? runCommand([python, "-c", "import jsonschema; jsonschema.Draft202012Validator"],
                                        timeout: .seconds(60))
            if probe?.succeeded == true { return python }
        }
        return nil
    }()

    /// Some python3 (for os.setxattr).
    static let python: String = findExecutable("/usr/bin/python3") ?? "python3"

    static var schemaPath: String { RepoPaths.root + "/schema/xfs-verify-media-1.schema.json" }
}

// MARK: Running the tool

/// One run of the binary.
struct ToolRun: CustomStringConvertible {
    let result: CommandResult
    var status: Int32 { result.status }
    var stdout: String { result.stdout }
    var stderr: String { result.stderr }
    /// stdout decoded as the JSON report.
    func report() throws -> ScanReport { try ScanReport.decode(stdout, context: description) }
    /// stdout as a JSON object (to tell a null member from a missing one).
    func jsonObject() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any] else {
            throw TestBedError("stdout is not a JSON object: \(description)")
        }
        return object
    }
    var description: String {
        "`\(result.argv.joined(separator: " "))` exited \(status)\(result.timedOut ? " (timed out)" : "")"
            + "\n--- stderr:\n\(stderr.prefix(4000))\n--- stdout:\n\(stdout.prefix(6000))"
    }
}

/// Runs the binary with `arguments`.
func runTool(_ arguments: [String], environment: [String: String] = [:],
             timeout: Duration = .seconds(300)) throws -> ToolRun {
    ToolRun(result: try runCommand([RepoPaths.binary] + arguments, environment: environment, timeout: timeout))
}

/// `xfs_verify_media --json ARGS MNT`, decoded.
func scanJSON(_ bed: TestBed, _ arguments: [String] = [], timeout: Duration = .seconds(300)) throws -> (ToolRun, ScanReport) {
    let run = try runTool(["--json"] + arguments + [bed.mountPoint], timeout: timeout)
    return (run, try run.report())
}

/// Starts a scan with `arguments` and a checkpoint, unmounts the filesystem
/// once the scan has verified something, and checks what a user relies on:
/// umount succeeds, the scan stops with exit 4 and keeps its checkpoint.
/// Returns what it printed.
func unmountDuringScan(_ bed: TestBed, _ arguments: [String], environment: [String: String] = [:],
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let checkpoint = bed.directory + "/scan.checkpoint"
    let output = bed.directory + "/scan.out"
    let progress = bed.directory + "/scan.progress"
    let scan = try spawnProcess(["/bin/sh", "-c", "exec \"$0\" \"$@\" 3>\"$XVM_PROGRESS\"", RepoPaths.binary, "-C", "3",
                                 "--checkpoint", checkpoint] + arguments + [bed.mountPoint],
                                environment: environment.merging(["XVM_PROGRESS": progress]) { a, _ in a }, outputPath: output)
    try waitUntilReading(progress, sourceLocation: sourceLocation)
    let umount = try runCommand(["umount", bed.mountPoint])
    #expect(umount.status == 0, "umount while scanning: \(umount)", sourceLocation: sourceLocation)
    #expect(scan.wait(timeout: .seconds(20)) == 4, sourceLocation: sourceLocation)
    #expect(FileManager.default.fileExists(atPath: checkpoint), sourceLocation: sourceLocation)
    return try String(contentsOfFile: output, encoding: .utf8)
}

/// Waits (up to a minute) until a scan's `-C` progress file says it has
/// verified some bytes ("1 DONE TOTAL MOUNTPOINT" with DONE > 0).
func waitUntilReading(_ progress: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    for _ in 0..<1200 {
        let lines = String(decoding: (try? readWholeFile(progress)) ?? [], as: UTF8.self).split(separator: "\n")
        if lines.contains(where: { $0.split(separator: " ").dropFirst().first.flatMap { UInt64($0) }.map { $0 > 0 } ?? false }) { return }
        usleep(50_000)
    }
    Issue.record("the scan never started reading", sourceLocation: sourceLocation)
}

/// A file of 24 extents of 128 KiB with 4 KiB free gaps between them, and
/// the byte offset of a sector to make bad where XFS_IOC_VERIFY_MEDIA (1 MiB
/// bios) stops short without an error: in the second MiB of a 2 MiB read
/// that starts inside the file (an extent spans its start, so the read
/// begins exactly there), with other extents of the file before it in that
/// read (issue 9.3).
func shortAdvanceLayout(_ bed: TestBed, sourceLocation: SourceLocation = #_sourceLocation) throws -> UInt64 {
    try bed.writeFragmentedFile("fragmented", extents: 24, extentSize: 128 << 10)
    try bed.sync()
    let extents = try bed.fileExtents("fragmented").filter { !$0.isUnwritten }
    func chunkStart(_ offset: UInt64) -> UInt64 { offset / (2 << 20) * (2 << 20) }
    let victim = try #require(extents.first { extent in
        let start = chunkStart(extent.physical)
        let inChunk = extent.physical - start
        let spanned = extents.contains { $0.physical < start && start < $0.physical + $0.length }
        return spanned && inChunk >= (1 << 20) + (64 << 10) && inChunk + extent.length <= 2 << 20
    }, "no extent in the second half of a chunk: \(extents.map { ($0.physical, $0.length) })", sourceLocation: sourceLocation)
    #expect(extents.filter { chunkStart($0.physical) == chunkStart(victim.physical) && $0.physical < victim.physical }.count >= 2,
            "the read holds other extents before the victim", sourceLocation: sourceLocation)
    return victim.physical + 8192
}

// MARK: The report, as the JSON contract spells it

struct ScanReport: Decodable {
    let schema: String
    let mountpoint: String
    let fsUuid: String
    let engine: String
    let scope: String
    let started: String
    let complete: Bool
    let stopReason: String?
    let devices: [DeviceReport]
    let badRanges: [BadRangeReport]
    let unverifiedRanges: [UnverifiedRangeReport]
    let flakyRanges: [RangeReport]?
    let errors: [String]?
    let summary: SummaryReport

    static func decode(_ text: String, context: String) throws -> ScanReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do {
            return try decoder.decode(ScanReport.self, from: Data(text.utf8))
        } catch {
            throw TestBedError("cannot decode the JSON report (\(error)): \(context)")
        }
    }

    var data: DeviceReport? { devices.first { $0.role == "data" } }
}

struct DeviceReport: Decodable {
    let role: String
    let path: String
    let dev: String
    let logicalSectorSize: Int
    /// This device's part of the block device at `path`.
    let sectionStartDaddr: UInt64?
    let sectionEndDaddr: UInt64?
    let bytesPlanned: UInt64
    let bytesVerified: UInt64
    let bytesRead: UInt64
    let seconds: Double
    let badSectors: UInt64
}

/// A device range in 512-byte units, end exclusive.
struct DaddrRange: Hashable, Comparable, CustomStringConvertible {
    let start: UInt64
    let end: UInt64
    init(_ start: UInt64, _ end: UInt64) {
        self.start = start
        self.end = end
    }
    /// The 512-byte units of bytes [offset, offset + length).
    init(bytes offset: UInt64, length: UInt64) {
        self.init(offset / 512, (offset + length + 511) / 512)
    }
    var byteRange: Range<UInt64> { start * 512 ..< end * 512 }
    var bytes: UInt64 { (end - start) * 512 }
    var description: String { "[\(start), \(end))" }
    static func < (a: DaddrRange, b: DaddrRange) -> Bool { (a.start, a.end) < (b.start, b.end) }
}

struct RangeReport: Decodable {
    let device: String
    let startDaddr: UInt64
    let endDaddr: UInt64
    let errno: Int32?
    let error: String?
    var daddrs: DaddrRange { DaddrRange(startDaddr, endDaddr) }
}

struct UnverifiedRangeReport: Decodable {
    let device: String
    let startDaddr: UInt64
    let endDaddr: UInt64
    let errno: Int32?
    let error: String?
    let reason: String
    var daddrs: DaddrRange { DaddrRange(startDaddr, endDaddr) }
}

struct BadRangeReport: Decodable {
    let device: String
    let startDaddr: UInt64
    let endDaddr: UInt64
    let errno: Int32
    let error: String
    let owners: [OwnerReport]
    let status: String?
    var daddrs: DaddrRange { DaddrRange(startDaddr, endDaddr) }
}

struct OwnerReport: Decodable, Hashable {
    let type: String
    let inode: UInt64?
    let generation: UInt64?
    let path: String?
    let paths: [String]?
    let unlinked: Bool?
    let inodeUnreadable: Bool?
    let pathBase64: String?
    let pathsBase64: [String]?
    let fork: String?
    let fileOffset: UInt64?
    let length: UInt64?
    let unwritten: Bool?
    let what: String?
    let ag: Int?
    let rtgroup: Int?

    /// Every name: `paths` when there are several, else `path`.
    var names: [String] { paths ?? path.map { [$0] } ?? [] }
    var key: OwnerKey {
        switch type {
        case "file": .file(inode: inode ?? 0, fork: fork ?? "?", offset: fileOffset, length: length)
        case "metadata": .metadata(what ?? "?")
        case "free": .free
        default: .unknown
        }
    }
}

struct SummaryReport: Decodable {
    let bytesVerified: UInt64
    let bytesRead: UInt64
    let seconds: Double
    let bytesPerSecond: Double
    let badRanges: Int
    let badSectors: UInt64
    let filesAffected: Int
    let metadataAffected: Int
    let unverifiedRanges: Int?
    let flakyRanges: Int?
    let exitStatus: Int32
}

/// What an owner is, comparable between the report and the space map.
enum OwnerKey: Hashable, CustomStringConvertible {
    case file(inode: UInt64, fork: String, offset: UInt64?, length: UInt64?)
    case metadata(String)
    case free
    case unknown

    var description: String {
        switch self {
        case .file(let inode, let fork, let offset, let length):
            "file inode \(inode) \(fork) offset \(offset.map(String.init) ?? "-") length \(length.map(String.init) ?? "-")"
        case .metadata(let what): "metadata \(what)"
        case .free: "free"
        case .unknown: "unknown"
        }
    }
}

extension ScanReport {
    /// The bad ranges of the data device, sorted.
    var dataBadRanges: [DaddrRange] { badRanges.filter { $0.device == "data" }.map(\.daddrs).sorted() }
    func badRange(_ range: DaddrRange, device: String = "data") -> BadRangeReport? {
        badRanges.first { $0.device == device && $0.daddrs == range }
    }
}

// MARK: Where things are

/// The 512-byte units a fault on bytes [offset, offset + length) makes
/// unreadable: the logical sectors it touches.
func expectedBad(offset: UInt64, length: UInt64, sectorSize: Int) -> DaddrRange {
    let s = UInt64(sectorSize)
    let start = offset / s * s, end = (offset + length + s - 1) / s * s
    return DaddrRange(start / 512, end / 512)
}


/// `xfs_io -r -c 'fsmap -d START END' MNT` (units of 512 bytes, END
/// inclusive), keeping the rows that overlap [range.start, range.end).
func fsmapRows(_ bed: TestBed, _ range: DaddrRange) throws -> [FsmapRow] {
    let result = try runCommand(["xfs_io", "-r", "-c", "fsmap -d \(range.start) \(range.end - 1)", bed.mountPoint]).check()
    return FsmapRow.parse(fsmap: result.stdout).filter { $0.start < range.end && $0.end + 1 > range.start }
}

/// The owners the space map gives for `range` of the data device, in the
/// report's terms: file owners with the file offset of the first byte of the
/// range they own (`record.offset + (bad.start - record.physical)`) and the
/// bytes they own in it.
func expectedOwners(_ rows: [FsmapRow], _ range: DaddrRange) -> Set<OwnerKey> {
    Set(rows.map { row in
        let f = row.owner.split(separator: " ").map(String.init)
        let overlapStart = max(row.start, range.start), overlapEnd = min(row.end + 1, range.end)
        if f.count >= 2, f[0] == "inode", let inode = UInt64(f[1]) {
            // "inode N data extent map": the file's bmbt blocks.
            if row.owner.hasSuffix("extent map") {
                return .file(inode: inode, fork: "bmbt", offset: nil, length: (overlapEnd - overlapStart) * 512)
            }
            // The report gives offsets in the data fork only.
            if f.count >= 4, f[2] == "attr" {
                return .file(inode: inode, fork: "attr", offset: nil, length: (overlapEnd - overlapStart) * 512)
            }
            if f.count >= 4, f[2] == "data" {
                let recordOffset = UInt64(f[3].split(separator: ".").first ?? "") ?? 0
                return .file(inode: inode, fork: f[2], offset: (recordOffset + overlapStart - row.start) * 512,
                             length: (overlapEnd - overlapStart) * 512)
            }
            return .file(inode: inode, fork: "bmbt", offset: nil, length: (overlapEnd - overlapStart) * 512)
        }
        switch row.owner {
        case "free space": return .free
        case "unknown": return .unknown
        default: return .metadata(metadataWhat(row.owner))
        }
    })
}

/// The report's metadata `what` for xfs_io's owner names (kernel owner codes).
func metadataWhat(_ fsmapOwner: String) -> String {
    switch fsmapOwner {
    case "static fs metadata": "fs"
    case "journalling log": "log"
    case "per-AG metadata": "ag"
    case "inode btree": "inobt"
    case "inodes": "inodes"
    case "refcount btree": "refcountbt"
    case "cow reservation": "cow"
    case "defective": "defective"
    default: fsmapOwner
    }
}

/// The report's owners of a bad range, keyed like `expectedOwners`
/// (file offsets of the data fork only).
func reportedOwners(_ bad: BadRangeReport) -> Set<OwnerKey> {
    Set(bad.owners.map { owner in
        if case .file(let inode, let fork, _, let length) = owner.key, fork != "data" {
            return .file(inode: inode, fork: fork, offset: nil, length: length)
        }
        return owner.key
    })
}

/// Bytes the default scope covers on the data device: everything the space
/// map does not call free space.
func allocatedBytes(_ rows: [FsmapRow]) -> UInt64 {
    rows.filter { $0.owner != "free space" }.reduce(0) { $0 + $1.length * 512 }
}

/// AG size in 512-byte units (xfs_io statfs: geom.agblocks * geom.bsize).
func agSizeDaddrs(_ bed: TestBed) throws -> UInt64 {
    let text = try runCommand(["xfs_io", "-r", "-c", "statfs", bed.mountPoint]).check().stdout
    func value(_ key: String) -> UInt64? {
        text.split(separator: "\n").first { $0.hasPrefix(key + " = ") }.flatMap { UInt64($0.split(separator: " ").last ?? "") }
    }
    guard let blocks = value("geom.agblocks"), let bsize = value("geom.bsize") else {
        throw TestBedError("xfs_io statfs: no geometry in \(text)")
    }
    return blocks * bsize / 512
}

/// The inode's generation, from bulkstat (`xfs_io -c 'bulkstat_single INO'`).
func generation(_ bed: TestBed, inode: UInt64) throws -> UInt64 {
    let text = try runCommand(["xfs_io", "-r", "-c", "bulkstat_single \(inode)", bed.mountPoint]).check().stdout
    guard let line = text.split(separator: "\n").first(where: { $0.contains("bs_gen = ") }),
          let value = line.split(separator: " ").last else {
        throw TestBedError("bulkstat_single \(inode): no bs_gen in \(text)")
    }
    let hex = value.hasPrefix("0x") ? UInt64(value.dropFirst(2), radix: 16) : UInt64(value)
    guard let hex else { throw TestBedError("bulkstat_single \(inode): bad bs_gen \(value)") }
    return hex
}

/// The first space map row named `owner` (e.g. "inodes") at least `length` bytes long, after `after`.
func fsmapRow(_ rows: [FsmapRow], _ owner: String, atLeast length: UInt64 = 4096, after: UInt64 = 0) throws -> FsmapRow {
    guard let row = rows.first(where: { $0.owner == owner && $0.length * 512 >= length && $0.start * 512 >= after }) else {
        throw TestBedError("no fsmap row \"\(owner)\" of \(length) bytes after \(after)")
    }
    return row
}

/// The exit status bits of the contract (ARCHITECTURE.md).
enum ExitBit {
    static let media: Int32 = 1
    static let fileData: Int32 = 2
    static let operational: Int32 = 4
    static let usage: Int32 = 8
}

/// errno numbers on Linux.
enum LinuxErrno {
    static let EIO: Int32 = 5
    static let ENODATA: Int32 = 61
    static let EILSEQ: Int32 = 84
    static let ETIMEDOUT: Int32 = 110
}

/// Bytes of the data device the space map marks as preallocated, never
/// written (unwritten extents): `xfs_io -r -c 'fsmap -d -v'`, FLAGS bit 010000.
func unwrittenBytes(_ bed: TestBed) throws -> UInt64 {
    let text = try runCommand(["xfs_io", "-r", "-c", "fsmap -d -v", bed.mountPoint]).check().stdout
    var total: UInt64 = 0
    for line in text.split(separator: "\n") {
        let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        // ... AG (AG-OFFSET) TOTAL [FLAGS]
        guard let agOffset = f.lastIndex(where: { $0.hasPrefix("(") }) else { continue }
        let rest = f[(agOffset + 1)...]
        guard rest.count == 2, let length = UInt64(rest.first!), let flags = UInt64(rest.last!, radix: 8) else { continue }
        if flags & 0o10000 != 0 { total += length * 512 }
    }
    return total
}

/// The data device's sectors written so far (/sys/block/NAME/stat, field 7).
func sectorsWritten(_ device: String) throws -> UInt64 {
    let name = (device as NSString).lastPathComponent
    let text = String(decoding: try readWholeFile("/sys/block/\(name)/stat"), as: UTF8.self)
    let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    guard fields.count > 6, let sectors = UInt64(fields[6]) else { throw TestBedError("/sys/block/\(name)/stat: \(text)") }
    return sectors
}
