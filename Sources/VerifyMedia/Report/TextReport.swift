/// The human report: one line per bad range and owner, worded like
/// xfs_scrub's, then a summary. Names are escaped (`TextEscaping`): one
/// line is one finding, whatever the files are called.
public struct TextReport {
    let report: Report

    public init(_ report: Report) { self.report = report }

    /// Lines about damage, unverified and flaky ranges, and errors.
    public var findingLines: [String] {
        return report.badRanges.flatMap { ownerLines($0).map(\.text) } + report.scan.unverifiedRanges.map(line)
            + report.scan.flakyRanges.map(line) + (report.scan.errors + report.errors).map(errorLine)
    }

    public func line(_ range: UnverifiedRange) -> String {
        "\(mount): \(place(range.device, range.range)): not verified, \(range.reason.phrase) (\(range.error.name))"
    }

    public func line(_ range: FlakyRange) -> String {
        "\(mount): \(place(range.device, range.range)): read failed\(range.error.map { " (\($0.name))" } ?? ""), then succeeded on retry (flaky)"
    }

    public func errorLine(_ error: String) -> String { "\(mount): error: \(TextEscaping.escape(error))" }

    private var mount: String { TextEscaping.escape(report.scan.filesystem.mountPoint) }

    /// One line per owner of a bad range (per name, for a file with several).
    public func ownerLines(_ owned: OwnedBadRange) -> [(owner: Owner, path: RawPath?, text: String)] {
        let bad = owned.bad
        let note = owned.status == .new ? " [new]" : ""
        let site = place(bad.device, bad.range)
        return owned.owners.flatMap { owner -> [(owner: Owner, path: RawPath?, text: String)] in
            switch owner {
            case .file(let file):
                let names: [RawPath?] = file.paths.isEmpty ? [nil] : file.paths
                let what: String = switch file.fork {
                case .data where file.unwritten: "media error in unwritten extent at offset \(file.fileOffset ?? 0) length \(file.length) (nothing lost)"
                case .data: "media error at data offset \(file.fileOffset ?? 0) length \(file.length)"
                case .attr: "media error in extended attributes"
                case .bmbt: "media error in extent map"
                case .inode: "media error in its inode"
                }
                return names.map { path in
                    let name = path.map { TextEscaping.escape($0.bytes) + (file.inodeUnreadable ? " (inode \(file.inode) unreadable)" : "") }
                        ?? "\(mount) inode \(file.inode)\(file.generation.map { " gen \($0)" } ?? "")\(file.unlinked ? " (unlinked)" : "")\(file.inodeUnreadable ? " (unreadable)" : "")"
                    return (owner, path, "\(name): \(what) (\(bad.error.name))\(note)")
                }
            case .metadata(let kind, let group):
                let location = group.map { ", \($0.kind == .ag ? "AG" : "rtgroup") \($0.number)" } ?? ""
                return [(owner, nil, "\(mount): \(site): media error in \(MetadataKind.description(of: kind))\(location) (\(bad.error.name))\(note)")]
            case .free:
                return [(owner, nil, "\(mount): \(site): media error in free space (\(bad.error.name))\(note)")]
            case .unknown:
                return [(owner, nil, "\(mount): \(site): media error, owner unknown (\(bad.error.name))\(note)")]
            }
        }
    }

    /// "data device daddr 8-15"; an rt section on the data device is named
    /// as such, its daddrs being those of the data device.
    private func place(_ role: DeviceRole, _ range: ByteRange) -> String {
        let section = role == .rt && report.scan.filesystem.device(.rt)?.isSection == true
        return "\(role) \(section ? "section of the data device" : "device") daddr \(range.start >> 9)-\((range.end >> 9) - 1)"
    }

    /// Why the scan did not cover everything, when it did not.
    public var incompleteLine: String? {
        let scan = report.scan
        guard !scan.complete else { return nil }
        return "\(TextEscaping.escape(scan.filesystem.mountPoint)): scan incomplete\(scan.stopReason.map { ": \(TextEscaping.escape($0))" } ?? "")"
    }

    public var summaryLines: [String] {
        let scan = report.scan
        let planned = scan.devices.reduce(0) { $0 + $1.bytesPlanned }
        let of = scan.complete ? " of \(formatBytes(planned))" : ""
        var lines = ["\(mount): verified \(formatBytes(scan.bytesVerified))\(of) in \(formatSeconds(scan.seconds)) (\(formatBytes(UInt64(report.bytesPerSecond)))/s), \(scan.engine.rawValue) engine, scope \(scan.scope.rawValue)"]
        if let incompleteLine { lines.append(incompleteLine) }
        if report.badRanges.isEmpty {
            lines.append("\(mount): no media errors found")
        } else {
            var text = "\(mount): \(report.badRanges.count) bad range\(report.badRanges.count == 1 ? "" : "s"), \(scan.badSectors) bad sector\(scan.badSectors == 1 ? "" : "s"); \(report.filesAffected) file\(report.filesAffected == 1 ? "" : "s") and \(report.metadataAffected) metadata range\(report.metadataAffected == 1 ? "" : "s") affected"
            if report.badRanges.contains(where: { $0.status != nil }) { text += "; \(report.newBadRanges) new since the last scan" }
            lines.append(text)
        }
        return lines
    }
}

/// 1.5 GiB, 300 MiB, 4.0 KiB, 512 B (powers of 1024, as --rate takes them).
public func formatBytes(_ bytes: UInt64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    if unit == 0 { return "\(bytes) B" }
    let tenths = Int((value * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[unit])"
}

/// 0.4 s, 12.3 s, 4:05, 1:02:03.
public func formatSeconds(_ seconds: Double) -> String {
    if seconds < 60 {
        let tenths = Int((seconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
    let total = Int(seconds.rounded())
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return total >= 3600 ? "\(total / 3600):\(two(total / 60 % 60)):\(two(total % 60))" : "\(total / 60):\(two(total % 60))"
}
