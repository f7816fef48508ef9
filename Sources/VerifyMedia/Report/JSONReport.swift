import Glibc

/// The JSON report, schema `xfs-verify-media/1` (ARCHITECTURE.md, and
/// schema/xfs-verify-media-1.schema.json). Sizes in bytes, `*_daddr` in
/// 512-byte units from the start of the device, `end_daddr` exclusive.
/// Fields may be added, never renamed.
public struct JSONReport {
    public static let schema = "xfs-verify-media/1"
    let report: Report
    let includeLanes: Bool

    public init(_ report: Report, includeLanes: Bool = false) {
        self.report = report
        self.includeLanes = includeLanes
    }

    public var value: JSONValue {
        let scan = report.scan
        var members: [(String, JSONValue)] = [
            ("schema", .string(JSONReport.schema)),
            ("mountpoint", .string(scan.filesystem.mountPoint)),
            ("fs_uuid", .string(scan.filesystem.geometry.uuid)),
            ("engine", .string(scan.engine.rawValue)),
            ("scope", .string(scan.scope.rawValue)),
            ("started", .string(JSONReport.iso8601(scan.started))),
            ("complete", .bool(scan.complete)),
            ("stop_reason", JSONValue(scan.stopReason)),
            ("kernel_report", .string(scan.kernelReporting.rawValue)),
            ("devices", .array(scan.devices.map(JSONReport.device))),
            ("bad_ranges", .array(report.badRanges.map(JSONReport.badRange))),
            ("unverified_ranges", .array(scan.unverifiedRanges.map {
                .object(JSONReport.range($0.device, $0.range, $0.error) + [("reason", .string($0.reason.rawValue))])
            })),
            ("flaky_ranges", .array(scan.flakyRanges.map { .object(JSONReport.range($0.device, $0.range, $0.error)) })),
            ("errors", .array((scan.errors + report.errors).map(JSONValue.string))),
        ]
        if includeLanes {
            let records = scan.devices.reduce(0) { $0 + $1.spaceMapRecords }
            let seconds = scan.devices.reduce(0) { $0 + $1.spaceMapSeconds }
            members.append(("space_map", .object([
                ("records", JSONValue(records)), ("seconds", .double(seconds)),
                ("records_per_second", .double(seconds > 0 ? Double(records) / seconds : 0)),
            ])))
            members.append(("lanes", .array(scan.lanes.map { lane in
                .object([("device", .string(lane.device.rawValue)), ("lane", .string(lane.lane)),
                         ("bytes_read", JSONValue(lane.bytesRead)), ("seconds", .double(lane.seconds)),
                         ("bytes_per_second", .double(lane.seconds > 0 ? Double(lane.bytesRead) / lane.seconds : 0))])
            })))
        }
        var summary: [(String, JSONValue)] = [
            ("bytes_verified", JSONValue(scan.bytesVerified)),
            ("bytes_read", JSONValue(scan.bytesRead)),
            ("seconds", .double(scan.seconds)),
            ("bytes_per_second", JSONValue(UInt64(report.bytesPerSecond))),
            ("bad_ranges", JSONValue(report.badRanges.count)),
            ("bad_sectors", JSONValue(scan.badSectors)),
            ("files_affected", JSONValue(report.filesAffected)),
            ("metadata_affected", JSONValue(report.metadataAffected)),
            ("unverified_ranges", JSONValue(scan.unverifiedRanges.count)),
            ("flaky_ranges", JSONValue(scan.flakyRanges.count)),
        ]
        if report.badRanges.contains(where: { $0.status != nil }) {
            summary.append(("new_bad_ranges", JSONValue(report.newBadRanges)))
        }
        summary.append(("exit_status", .integer(Int64(report.exitStatus.rawValue))))
        members.append(("summary", .object(summary)))
        return .object(members)
    }

    public func encoded() -> [UInt8] { Array((value.serialized() + "\n").utf8) }

    static func device(_ device: DeviceResult) -> JSONValue {
        .object([
            ("role", .string(device.device.role.rawValue)),
            ("path", .string(device.device.path)),
            ("dev", .string(device.device.dev)),
            ("logical_sector_size", JSONValue(device.device.logicalSectorSize)),
            // The part of `path` this role covers: the whole device, or, on a
            // zoned filesystem with an internal rt section, the data or the rt
            // section of the one block device both roles name.
            ("section_start_daddr", JSONValue(device.device.section.start >> 9)),
            ("section_end_daddr", JSONValue(device.device.section.end >> 9)),
            ("bytes_planned", JSONValue(device.bytesPlanned)),
            ("bytes_verified", JSONValue(device.bytesVerified)),
            ("bytes_read", JSONValue(device.bytesRead)),
            ("seconds", .double(device.seconds)),
            ("bad_sectors", JSONValue(device.badSectors)),
            ("rotational", .bool(device.device.rotational)),
            ("queue_depth", JSONValue(device.queueDepth)),
            ("io_size", JSONValue(device.ioSize)),
            ("latency_us", .object([
                ("p50", JSONValue(device.latency.p50Microseconds)),
                ("p99", JSONValue(device.latency.p99Microseconds)),
                ("p999", JSONValue(device.latency.p999Microseconds)),
                ("max", JSONValue(device.latency.maxMicroseconds)),
                ("reads", JSONValue(device.latency.reads)),
            ])),
        ])
    }

    static func range(_ device: DeviceRole, _ range: ByteRange, _ error: Errno?) -> [(String, JSONValue)] {
        [("device", .string(device.rawValue)),
         ("start_daddr", JSONValue(range.start >> 9)),
         ("end_daddr", JSONValue(range.end >> 9)),
         ("errno", error.map { .integer(Int64($0.rawValue)) } ?? .null),
         ("error", JSONValue(error?.name))]
    }

    static func badRange(_ owned: OwnedBadRange) -> JSONValue {
        var members = range(owned.bad.device, owned.bad.range, owned.bad.error)
        members.append(("owners", .array(owned.owners.map(owner))))
        members.append(("kernel_reported", .bool(owned.bad.reportedToKernel)))
        if let status = owned.status { members.append(("status", .string(status.rawValue))) }
        return .object(members)
    }

    static func owner(_ owner: Owner) -> JSONValue {
        switch owner {
        case .file(let file):
            var members: [(String, JSONValue)] = [
                ("type", .string("file")),
                ("inode", JSONValue(file.inode)),
                ("generation", file.generation.map { JSONValue(UInt64($0)) } ?? .null),
                ("path", JSONValue(file.paths.first?.description)),
            ]
            if file.paths.count > 1 { members.append(("paths", .array(file.paths.map { .string($0.description) }))) }
            // JSON strings are Unicode: a name that is not UTF-8 is also
            // given exactly, as base64 of its bytes.
            if file.paths.contains(where: { !$0.isValidUTF8 }) {
                members.append(("path_base64", .string(Base64.encode(file.paths[0].bytes))))
                if file.paths.count > 1 {
                    members.append(("paths_base64", .array(file.paths.map { .string(Base64.encode($0.bytes)) })))
                }
            }
            if file.unlinked { members.append(("unlinked", .bool(true))) }
            if file.inodeUnreadable { members.append(("inode_unreadable", .bool(true))) }
            members.append(("fork", .string(file.fork.rawValue)))
            if let offset = file.fileOffset { members.append(("file_offset", JSONValue(offset))) }
            members.append(("length", JSONValue(file.length)))
            if file.unwritten { members.append(("unwritten", .bool(true))) }
            return .object(members)
        case .metadata(let what, let group):
            var members: [(String, JSONValue)] = [("type", .string("metadata")), ("what", .string(what))]
            if let group { members.append((group.kind.rawValue, JSONValue(group.number))) }
            return .object(members)
        case .free:
            return .object([("type", .string("free"))])
        case .unknown:
            return .object([("type", .string("unknown"))])
        }
    }

    static func iso8601(_ seconds: Double) -> String {
        var time = Int(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}
