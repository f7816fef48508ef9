import Glibc

/// Turns SIGINT, SIGTERM and SIGHUP into a stop request. The signals are
/// blocked in every thread (threads inherit the mask of the thread that
/// starts them, so call this before starting any) and one dedicated
/// thread waits for them with sigwait: no async-signal-safety puzzles.
public enum SignalWatcher {
    public static func start(_ stop: StopSignal) {
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let watched = UncheckedSendable(signals)
        _ = DedicatedThread.start(name: "signals") {
            var signals = watched.value
            var received: Int32 = 0
            var first: UInt64?
            while sigwait(&signals, &received) == 0 {
                guard let first else {
                    first = monotonicNanoseconds()
                    stop.request(.signal(received))
                    continue
                }
                // A second signal a moment later: the user insists, and the
                // reads in flight are given up. One arriving at once is the
                // same signal sent to the process and to its group (timeout(1),
                // a terminal's Ctrl-C reaching a pipeline).
                if monotonicNanoseconds() - first > 1_000_000_000 { _exit(4) }
            }
        }
    }
}
