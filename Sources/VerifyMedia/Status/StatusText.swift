import Glibc

/// A scan's state in words: systemd's STATUS= line, and the lines of
/// `xfs_verify_media status`.
public enum StatusText {
    /// "42 % done, 310.0 MiB/s, 12 min to go, 0 bad sectors" while running;
    /// how it ended once finished.
    public static func line(_ state: ScanState) -> String {
        if state.phase == .finished, let outcome = state.outcome { return ended(outcome) }
        let rate = state.bytesPerSecond > 0 ? "\(formatBytes(UInt64(state.bytesPerSecond)))/s" : "starting"
        let left = state.secondsLeft.map { "\(duration($0)) to go" } ?? "time left unknown"
        let bad = state.badSectors
        return "\(percent(state.fraction)) done, \(rate), \(left), \(bad) bad sector\(bad == 1 ? "" : "s")"
    }

    /// "complete, 2 bad ranges (1 new, 1 known), exit status 19", "paused,
    /// 42 % done", "incomplete (interrupted by SIGINT), ...".
    public static func ended(_ outcome: ScanState.Outcome) -> String {
        var text: String
        if outcome.complete {
            text = "complete"
        } else if outcome.paused {
            text = "paused" + (outcome.fraction.map { ", \(percent($0)) done" } ?? "")
        } else {
            text = "incomplete" + (outcome.stopReason.map { " (\($0))" } ?? "")
        }
        if outcome.badRanges == 0 {
            text += ", no media errors"
        } else {
            text += ", \(outcome.badRanges) bad range\(outcome.badRanges == 1 ? "" : "s")"
            if let new = outcome.newBadRanges, let known = outcome.knownBadRanges { text += " (\(new) new, \(known) known)" }
            text += ", \(outcome.filesAffected) file\(outcome.filesAffected == 1 ? "" : "s") hit"
        }
        return text + (outcome.exitStatus.map { ", exit status \($0)" } ?? "")
    }

    /// "42 %", "99.5 %": whole percent, tenths near the ends.
    public static func percent(_ fraction: Double) -> String {
        let tenths = Int((min(1, max(0, fraction)) * 1000).rounded(.down))
        return tenths % 10 == 0 || (tenths >= 10 && tenths < 990) ? "\(tenths / 10) %" : "\(tenths / 10).\(tenths % 10) %"
    }

    /// "45 s", "12 min", "3 h 05 min", "2 days 4 h".
    public static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\((total + 30) / 60) min" }
        let minutes = (total + 30) / 60
        if minutes < 48 * 60 {
            let rest = minutes % 60
            return "\(minutes / 60) h \(rest < 10 ? "0" : "")\(rest) min"
        }
        return "\(minutes / 1440) days \(minutes / 60 % 24) h"
    }

    /// "2026-11-30 03:10:04", local time.
    public static func localTime(_ seconds: Double) -> String {
        var time = time_t(seconds)
        var parts = tm()
        localtime_r(&time, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }
}
