import ArgumentParser
import VerifyMedia

/// A size with an optional binary suffix: 4096, 512K, 200M, 1G, 2T
/// (powers of 1024; "200MiB", "200M/s" also accepted).
struct ByteSize: ExpressibleByArgument {
    let bytes: UInt64

    init?(argument: String) {
        var text = argument.lowercased()
        for suffix in ["/s", "ib", "b"] where text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        let multipliers: [Character: UInt64] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40]
        var multiplier: UInt64 = 1
        if let last = text.last, let value = multipliers[last] {
            multiplier = value
            text.removeLast()
        }
        guard let number = Double(text), number > 0, number.isFinite else { return nil }
        let value = number * Double(multiplier)
        guard value >= 1, value < Double(UInt64.max) else { return nil }
        bytes = UInt64(value)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// A duration: 30d, 12h, 90m, 45s, 2w, 1mo (30 days), 1y; plain numbers are seconds.
struct Interval: ExpressibleByArgument {
    let seconds: Double

    init?(argument: String) {
        let units: [(String, Double)] = [("mo", 30 * 86400), ("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400),
                                         ("h", 3600), ("m", 60), ("s", 1)]
        let text = argument.lowercased()
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value >= 0 else { return nil }
            seconds = value * scale
            return
        }
        guard let value = Double(text), value >= 0 else { return nil }
        seconds = value
    }
}

/// `--device data,log,rt`.
struct DeviceList: ExpressibleByArgument {
    let roles: Set<DeviceRole>

    init?(argument: String) {
        var roles = Set<DeviceRole>()
        for name in argument.split(separator: ",") {
            guard let role = DeviceRole(rawValue: String(name).trimmed()) else { return nil }
            roles.insert(role)
        }
        guard !roles.isEmpty else { return nil }
        self.roles = roles
    }
}

extension String {
    func trimmed() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

extension ScanScope: ExpressibleByArgument {}
extension EngineChoice: ExpressibleByArgument {}
