import Glibc
import VerifyMedia

/// What the scan session says on the way: warnings on stderr (always),
/// notes with -v, the progress bar on a terminal, `-C FD` lines.
final class ScanObserver: ScanSessionObserver {
    private let verbose: Bool
    private let quiet: Bool
    private let progressFD: Int32?
    private var display: ProgressDisplay?

    init(verbose: Bool, quiet: Bool, progressFD: Int32?) {
        self.verbose = verbose
        self.quiet = quiet
        self.progressFD = progressFD
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
}
