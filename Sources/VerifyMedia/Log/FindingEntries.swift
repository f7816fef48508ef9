/// A verification's report as log entries: one per owner of each bad range
/// (in the scan's wording), the ranges it could not verify, and a summary.
/// Lost file data is logged at priority err, damaged metadata too; bad
/// free space only at notice.
struct FindingEntries {
    let report: Report
    /// "verification" or "scan".
    let action: String

    var entries: [LogEntry] {
        let text = TextReport(report)
        let mount = report.scan.filesystem.mountPoint
        var entries: [LogEntry] = []
        for owned in report.badRanges {
            let bad = owned.bad
            var base: [LogEntry.Field] = [
                .init("XVM_EVENT", "bad_range"), .init("XVM_ACTION", action), .init("XVM_MOUNTPOINT", mount),
                .init("XVM_DEVICE", bad.device.rawValue), .init("XVM_START_DADDR", String(bad.range.start >> 9)),
                .init("XVM_END_DADDR", String(bad.range.end >> 9)), .init("ERRNO", String(bad.error.rawValue)),
                .init("XVM_ERROR", bad.error.name),
            ]
            if let status = owned.status { base.append(.init("XVM_STATUS", status.rawValue)) }
            for line in text.ownerLines(owned) {
                entries.append(LogEntry(line.text, priority: FindingEntries.priority(line.owner),
                                        fields: base + FindingEntries.ownerFields(line.owner, path: line.path)))
            }
        }
        let others = text.findingLines.dropFirst(report.badRanges.reduce(0) { $0 + text.ownerLines($1).count })
        entries += others.map { LogEntry($0, priority: .warning, fields: [.init("XVM_EVENT", "problem"), .init("XVM_ACTION", action),
                                                                           .init("XVM_MOUNTPOINT", mount)]) }
        return entries
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
            return fields
        case .metadata(let what, let group):
            return [.init("XVM_OWNER", "metadata"), .init("XVM_METADATA", what)]
                + (group.map { [.init("XVM_GROUP", String($0.number))] } ?? [])
        case .free: return [.init("XVM_OWNER", "free")]
        case .unknown: return [.init("XVM_OWNER", "unknown")]
        }
    }
}
