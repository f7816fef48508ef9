import Glibc

/// A daily time window, `--window 01:00-06:00` (local time; one that ends
/// before it starts runs past midnight, as 22:00-04:00 does).
public struct DailyWindow: Sendable, Equatable, CustomStringConvertible {
    /// Minutes after midnight.
    public let start: Int
    public let end: Int

    /// "HH:MM-HH:MM"; nil for anything else, or an empty window.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = DailyWindow.minutes(parts[0]), let end = DailyWindow.minutes(parts[1]), start != end else {
            return nil
        }
        self.start = start
        self.end = end
    }

    private static func minutes(_ text: Substring) -> Int? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 2, fields.allSatisfy({ (1...2).contains($0.count) && $0.allSatisfy(\.isASCII) }),
              let hours = Int(fields[0]), let minutes = Int(fields[1]), (0..<24).contains(hours), (0..<60).contains(minutes) else {
            return nil
        }
        return hours * 60 + minutes
    }

    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(start / 60)):\(two(start % 60))-\(two(end / 60)):\(two(end % 60))"
    }

    /// Seconds until the window closes, for a moment `secondOfDay` seconds
    /// after local midnight; nil when the window is closed then.
    public func secondsLeft(atSecondOfDay secondOfDay: Int) -> Double? {
        let opens = start * 60, closes = end * 60, day = 86400
        if opens < closes {
            return (opens..<closes).contains(secondOfDay) ? Double(closes - secondOfDay) : nil
        }
        if secondOfDay >= opens { return Double(day - secondOfDay + closes) }
        return secondOfDay < closes ? Double(closes - secondOfDay) : nil
    }

    /// Seconds since local midnight of the moment `time` (seconds since the epoch).
    public static func secondOfDay(_ time: Double) -> Int {
        var seconds = time_t(time)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return Int(parts.tm_hour) * 3600 + Int(parts.tm_min) * 60 + Int(parts.tm_sec)
    }
}

/// How long one run may last: `--max-runtime` and `--window`. At the
/// deadline the scan stops with its checkpoint saved; the next run resumes
/// it (a scan bounded by choice has not failed).
public struct RunLimits: Sendable, Equatable {
    public var maxRuntime: Double?
    public var window: DailyWindow?

    public init(maxRuntime: Double? = nil, window: DailyWindow? = nil) {
        self.maxRuntime = maxRuntime
        self.window = window
    }

    public var isBounded: Bool { maxRuntime != nil || window != nil }

    /// When a run starting at `now` must stop.
    public enum Deadline: Equatable {
        case none
        /// Stop after this many seconds; `reason` is the stop's cause.
        case after(seconds: Double, reason: String)
        /// The window is closed now: nothing to do.
        case windowClosed(DailyWindow)
    }

    public func deadline(at now: Double) -> Deadline {
        var candidates: [(Double, String)] = []
        if let window {
            guard let left = window.secondsLeft(atSecondOfDay: DailyWindow.secondOfDay(now)) else { return .windowClosed(window) }
            candidates.append((left, "paused at the end of the window \(window)"))
        }
        if let maxRuntime { candidates.append((maxRuntime, "paused after the --max-runtime of \(formatSeconds(maxRuntime))")) }
        guard let first = candidates.min(by: { $0.0 < $1.0 }) else { return .none }
        return .after(seconds: first.0, reason: first.1)
    }
}

extension RunLimits.Deadline {
    /// The monotonic time (nanoseconds) to stop at, for a run that started
    /// at `start`; nil when there is none.
    func stopTime(from start: UInt64) -> UInt64? {
        guard case .after(let seconds, _) = self else { return nil }
        return start + UInt64(max(0, seconds) * 1e9)
    }
}
