/// What `--recheck` found, in words and as JSON: the standard report of the
/// ranges still bad, plus the ranges healed (read without error now).
public struct RecheckReport {
    let outcome: RecheckSession.Outcome

    public init(_ outcome: RecheckSession.Outcome) { self.outcome = outcome }

    /// One line per owner of each healed range.
    public var healedLines: [String] {
        let mount = outcome.report.scan.filesystem.mountPoint
        return outcome.healed.flatMap { owned in
            let place = "\(owned.bad.device) device daddr \(owned.bad.range.start >> 9)-\((owned.bad.range.end >> 9) - 1)"
            return TextReport.ownerDescriptions(owned, mountPoint: mount).map { "\($0): reads good now, healed (\(place))" }
        }
    }

    /// "/srv/data: rechecked 3 bad ranges (24 sectors) from the history: 1 healed, 2 still bad".
    public var summaryLine: String {
        let mount = TextEscaping.escape(outcome.report.scan.filesystem.mountPoint)
        let count = outcome.rechecked.count
        guard count > 0 else { return "\(mount): no bad ranges in \(outcome.source); nothing to recheck" }
        let sectors = outcome.rechecked.reduce(0) { $0 + $1.range.count } >> 9
        var line = "\(mount): rechecked \(count) bad range\(count == 1 ? "" : "s") (\(sectors) sector\(sectors == 1 ? "" : "s")) from \(TextEscaping.escape(outcome.source)): \(outcome.healed.count) healed, \(outcome.report.badRanges.count) still bad"
        let unverified = outcome.report.scan.unverifiedRanges.count
        if unverified > 0 { line += ", \(unverified) not verified" }
        return line
    }

    public var json: JSONValue {
        guard case .object(var members) = JSONReport(outcome.report).value else { return JSONReport(outcome.report).value }
        let recheck: JSONValue = .object([
            ("source", .string(outcome.source)),
            ("rechecked_ranges", .array(outcome.rechecked.map { .object(JSONReport.range($0.device, $0.range, $0.error)) })),
            ("healed_ranges", .array(outcome.healed.map(JSONReport.badRange))),
        ])
        members.insert(("recheck", recheck), at: members.firstIndex { $0.0 == "summary" } ?? members.endIndex)
        return .object(members)
    }
}
