import VerifyMedia

/// Where the report goes: JSON on stdout (`--json`) or the text report,
/// and the JSON into `--report FILE` as well.
struct ReportOutput {
    let json: Bool
    let file: String?
    let bench: Bool
    let verbose: Bool
    let quiet: Bool

    func write(_ report: Report) throws(VerifyMediaError) {
        let encoded = JSONReport(report, includeLanes: bench).encoded()
        if let file {
            do {
                try AtomicFile.write(encoded, to: file)
            } catch {
                throw .operational("\(file): cannot write the report: \(error)")
            }
        }
        if json {
            Output.standardOutput.write(String(decoding: encoded, as: UTF8.self))
            return
        }
        let text = TextReport(report)
        var lines = text.findingLines
        if bench { lines += BenchReport(report).lines }
        if !quiet {
            lines += text.summaryLines
            if verbose { lines += TextReport.deviceLines(report) }
        } else if !report.pausedByChoice, let incomplete = text.incompleteLine {
            // Quiet, but an exit status of 4 must come with its reason.
            lines.append(incomplete)
        }
        if !lines.isEmpty { Output.standardOutput.write(lines.joined(separator: "\n") + "\n") }
    }
}
