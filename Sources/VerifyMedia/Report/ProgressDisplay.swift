import Glibc

/// Progress while the scan runs: a bar with bytes, rate and ETA redrawn on
/// a terminal, and fsck-style `-C FD` lines ("1 DONE TOTAL MOUNTPOINT")
/// for programs that draw their own.
public final class ProgressDisplay {
    private let terminal: FileDescriptor?
    private let fsckFD: FileDescriptor?
    private let label: String
    private let started = monotonicNanoseconds()
    private var window = ThroughputWindow()
    private var drawn = false

    /// `terminal`: where to draw the bar (nil for none); `fsckFD`: the -C FD.
    public init(label: String, terminal: Int32?, fsckFD: Int32?) {
        self.label = label
        self.terminal = terminal.map(FileDescriptor.init(rawValue:))
        self.fsckFD = fsckFD.map(FileDescriptor.init(rawValue:))
    }

    public func update(_ progress: ScanProgress) {
        let now = monotonicNanoseconds()
        let done = progress.bytesDone
        let total = max(progress.bytesTotal, done)
        if let fsckFD {
            emit("1 \(done) \(total) \(label)\n", to: fsckFD)
        }
        guard let terminal else { return }
        let rate = window.add(time: now, bytes: progress.bytesRead)
        let fraction = total > 0 ? Double(done) / Double(total) : 0
        let width = 24
        let filled = min(width, Int(fraction * Double(width)))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let percent = Int(fraction * 1000)
        let eta = ThroughputWindow.secondsLeft(remaining: total - done, done: done, read: progress.bytesRead, readRate: rate)
            .map(formatSeconds) ?? "--"
        let line = "\r\(label): [\(bar)] \(percent / 10).\(percent % 10)%  \(formatBytes(done))/\(formatBytes(total))  \(formatBytes(UInt64(rate)))/s  ETA \(eta)\u{1B}[K"
        emit(line, to: terminal)
        drawn = true
    }

    /// Clears the bar so the report starts on a clean line.
    public func finish() {
        if drawn, let terminal { emit("\r\u{1B}[K", to: terminal) }
        drawn = false
    }

    private func emit(_ text: String, to fd: FileDescriptor) {
        try? fd.write(text)
    }
}
