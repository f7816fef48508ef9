/// A report as log entries: one per owner of each bad range and one per
/// range not verified, flaky or error, each worded as the text report's
/// line, with the facts as fields (see the man page, JOURNAL) and the
/// MESSAGE_ID of its kind. Lost file data and damaged metadata are logged
/// at priority err; bad free space only at notice.
public struct FindingEntries {
    let report: Report
    /// "verification" (watch) or "scan".
    let action: String

    public init(report: Report, action: String) {
        self.report = report
        self.action = action
    }

    public var entries: [LogEntry] {
        let text = TextReport(report)
        var entries: [LogEntry] = []
        for owned in report.badRanges {
            let bad = owned.bad
            var base = common("bad_range") + range(bad.device, bad.range)
                + [.init("ERRNO", String(bad.error.rawValue)), .init("XVM_ERROR", bad.error.name)]
            if let status = owned.status { base.append(.init("XVM_STATUS", status.rawValue)) }
            for line in text.ownerLines(owned) {
                entries.append(LogEntry(line.text, priority: FindingEntries.priority(line.owner),
                                        fields: [.init("MESSAGE_ID", FindingKind.of(line.owner).messageID)] + base
                                            + FindingEntries.ownerFields(line.owner, path: line.path)))
            }
        }
        let notVerified = LogEntry.Field("MESSAGE_ID", FindingKind.notVerified.messageID)
        for unverified in report.scan.unverifiedRanges {
            entries.append(LogEntry(text.line(unverified), priority: .warning, fields: [notVerified] + common("not_verified")
                + range(unverified.device, unverified.range)
                + [.init("ERRNO", String(unverified.error.rawValue)), .init("XVM_ERROR", unverified.error.name),
                   .init("XVM_REASON", unverified.reason.rawValue)]))
        }
        for flaky in report.scan.flakyRanges {
            let error: [LogEntry.Field] = flaky.error.map { [.init("ERRNO", String($0.rawValue)), .init("XVM_ERROR", $0.name)] } ?? []
            entries.append(LogEntry(text.line(flaky), priority: .warning,
                                    fields: [notVerified] + common("flaky") + range(flaky.device, flaky.range) + error))
        }
        entries += (report.scan.errors + report.errors).map {
            LogEntry(text.errorLine($0), priority: .warning, fields: [notVerified] + common("problem"))
        }
        return entries
    }

    /// The scan's last entry: its summary lines as one message.
    public var summary: LogEntry {
        let scan = report.scan
        let troubled = !report.badRanges.isEmpty || !scan.complete
        var fields = [.init("MESSAGE_ID", FindingKind.summary.messageID)] + common("summary") + [
            .init("XVM_ENGINE", scan.engine.rawValue), .init("XVM_SCOPE", scan.scope.rawValue),
            .init("XVM_COMPLETE", scan.complete ? "1" : "0"), .init("XVM_BYTES", String(scan.bytesVerified)),
            .init("XVM_BAD_RANGES", String(report.badRanges.count)), .init("XVM_BAD_SECTORS", String(scan.badSectors)),
            .init("XVM_FILES", String(report.filesAffected)), .init("XVM_METADATA_RANGES", String(report.metadataAffected)),
            .init("XVM_EXIT_STATUS", String(report.exitStatus.rawValue)),
        ]
        if report.badRanges.contains(where: { $0.status != nil }) {
            fields.append(.init("XVM_NEW_BAD_RANGES", String(report.newBadRanges)))
        }
        return LogEntry(TextReport(report).summaryLines.joined(separator: "\n"), priority: troubled ? .notice : .info, fields: fields)
    }

    /// Which filesystem, for every entry.
    private func common(_ event: String) -> [LogEntry.Field] {
        [.init("XVM_EVENT", event), .init("XVM_ACTION", action), .init("XVM_MOUNTPOINT", report.scan.filesystem.mountPoint),
         .init("XVM_FS_UUID", report.scan.filesystem.geometry.uuid)]
    }

    /// Where on which device, in 512-byte units as the JSON report counts
    /// them (END_DADDR exclusive), so that the numbers go to dd as they are.
    private func range(_ device: DeviceRole, _ range: ByteRange) -> [LogEntry.Field] {
        var fields: [LogEntry.Field] = [.init("XVM_DEVICE", device.rawValue)]
        if let path = report.scan.filesystem.device(device)?.path { fields.append(.init("XVM_DEVICE_PATH", path)) }
        return fields + [.init("XVM_START_DADDR", String(range.start >> 9)), .init("XVM_END_DADDR", String(range.end >> 9)),
                         .init("XVM_BBCOUNT", String((range.end >> 9) - (range.start >> 9)))]
    }

    static func priority(_ owner: Owner) -> LogPriority {
        switch owner {
        case .file(let file): file.isDataLoss || file.fork != .data ? .error : .notice
        case .metadata: .error
        case .unknown: .warning
        case .free: .notice
        }
    }

    static func ownerFields(_ owner: Owner, path: RawPath?) -> [LogEntry.Field] {
        switch owner {
        case .file(let file):
            var fields: [LogEntry.Field] = [.init("XVM_OWNER", "file"), .init("XVM_INODE", String(file.inode)),
                                            .init("XVM_FORK", file.fork.rawValue), .init("XVM_LENGTH", String(file.length))]
            if let generation = file.generation { fields.append(.init("XVM_GENERATION", String(generation))) }
            if let offset = file.fileOffset { fields.append(.init("XVM_OFFSET", String(offset))) }
            if let path { fields.append(.init("XVM_PATH", path.description)) }
            if file.isDataLoss { fields.append(.init("XVM_DATA_LOST", "1")) }
            if file.inodeUnreadable { fields.append(.init("XVM_INODE_UNREADABLE", "1")) }
            return fields
        case .metadata(let what, let group):
            return [.init("XVM_OWNER", "metadata"), .init("XVM_METADATA", what)]
                + (group.map { [.init("XVM_GROUP", String($0.number))] } ?? [])
        case .free: return [.init("XVM_OWNER", "free")]
        case .unknown: return [.init("XVM_OWNER", "unknown")]
        }
    }
}
