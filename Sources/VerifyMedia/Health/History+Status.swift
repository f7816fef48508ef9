extension History {
    /// Whether `bad` is news: `.known` when the last complete scan that
    /// covered `scope` found bad sectors overlapping it and no recheck since
    /// read them without error, `.new` otherwise (also when no scan ever
    /// completed). Interrupted runs do not count: what they found belongs
    /// to the scan that resumes them. A range that healed and fails again
    /// is news: the drive's remapping did not last.
    public func status(of bad: BadRange, scope: ScanScope) -> HistoryStatus {
        // By position: runs started in the same second are told apart.
        guard let index = lastCompleteIndex(covering: scope) else { return .new }
        let last = runs[index]
        let range = Range(device: bad.device, startDaddr: bad.range.start >> 9, endDaddr: bad.range.end >> 9, error: bad.error.name)
        guard last.badRanges.contains(where: { $0.overlaps(range) }) else { return .new }
        let healedSince = runs[index...].contains { run in
            run.kind == .recheck && run.badRanges.contains { $0.status == .healed && $0.overlaps(range) }
        }
        return healedSince ? .new : .known
    }
}
