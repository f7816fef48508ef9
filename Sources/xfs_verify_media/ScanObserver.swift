import Glibc
import VerifyMedia

/// What the scan session says on the way: warnings on stderr (always),
/// notes with -v, the progress bar on a terminal, `-C FD` lines, and under
/// systemd the STATUS= line of the unit and the findings in the journal.
final class ScanObserver: ScanSessionObserver {
    private let verbose: Bool
    private let quiet: Bool
    private let progressFD: Int32?
    private let notify: SystemdNotify?
    private let metrics: String?
    private var metricsWritten: UInt64 = 0
    private var metricsFailed = false
    private var display: ProgressDisplay?
    /// The last state the session reported.
    private(set) var state: ScanState?

    init(verbose: Bool, quiet: Bool, progressFD: Int32?, notify: SystemdNotify?, metrics: String? = nil) {
        self.metrics = metrics
        self.verbose = verbose
        self.quiet = quiet
        self.progressFD = progressFD
        self.notify = notify
    }

    /// One line on stderr, as the command's own.
    func say(_ text: String) { Output.standardError.write("xfs_verify_media: \(text)\n") }

    func warning(_ text: String) { say(text) }

    func note(_ text: String) { if verbose { say(text) } }

    func progress(_ progress: ScanProgress, filesystem: MountedFilesystem) {
        if display == nil {
            let bar = !quiet && isatty(2) == 1
            display = ProgressDisplay(label: filesystem.mountPoint, terminal: bar ? 2 : nil, fsckFD: progressFD)
        }
        display?.update(progress)
    }

    func scanFinished() { display?.finish() }

    /// Under systemd (stderr is the journal): each finding and the summary
    /// as a journal entry with fields, before the report is written, so
    /// that they are there even when the report file cannot be. Elsewhere
    /// nothing: the report on stdout says it all.
    func journal(_ report: Report) {
        guard JournalWriter.isJournal() else { return }
        let log = MachineLog()
        let entries = FindingEntries(report: report, action: "scan")
        (entries.entries + [entries.summary]).forEach(log.log)
    }

    func stateChanged(_ state: ScanState) {
        self.state = state
        let status = "STATUS=\(StatusText.line(state))"
        notify?.send(state.phase == .finished ? ["STOPPING=1", status] : [status])
        writeMetrics(state)
    }

    /// --metrics: every five seconds while running, and at the end.
    private func writeMetrics(_ state: ScanState) {
        guard let metrics else { return }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let seconds = UInt64(now.tv_sec)
        guard state.phase == .finished || metricsWritten == 0 || seconds >= metricsWritten + 5 else { return }
        metricsWritten = max(seconds, 1)
        do {
            // node_exporter runs as another user; the figures name no files.
            try AtomicFile.write(Array(MetricsText.render(state).utf8), to: metrics, mode: 0o644)
        } catch {
            if !metricsFailed { warning("\(metrics): cannot write the metrics: \(error)") }
            metricsFailed = true
        }
    }
}
