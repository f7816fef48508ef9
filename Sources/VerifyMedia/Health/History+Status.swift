extension History {
    /// Whether `bad` is news: `.known` when the last complete scan that
    /// covered `scope` found bad sectors overlapping it, `.new` otherwise
    /// (also when no scan ever completed). Interrupted runs do not count:
    /// what they found belongs to the scan that resumes them.
    public func status(of bad: BadRange, scope: ScanScope) -> HistoryStatus {
        guard let last = lastComplete(covering: scope) else { return .new }
        let start = bad.range.start >> 9, end = bad.range.end >> 9
        let seen = last.badRanges.contains { $0.device == bad.device && $0.startDaddr < end && start < $0.endDaddr }
        return seen ? .known : .new
    }
}
