/// Parsing of the sizes and durations the command line takes.
public enum Units {
    /// 4096, 512K, 200M, 1G, 2T (powers of 1024); "200MiB", "200M/s" and
    /// fractions ("1.5G") too. nil for anything else, zero and negatives.
    public static func bytes(_ text: String) -> UInt64? {
        var text = text.lowercased()
        for suffix in ["/s", "ib", "b"] where text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        let multipliers: [Character: Double] = ["k": 1024, "m": 1048576, "g": 1073741824, "t": 1099511627776]
        var multiplier = 1.0
        if let last = text.last, let value = multipliers[last] {
            multiplier = value
            text.removeLast()
        }
        guard !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "." }), let number = Double(text) else { return nil }
        let value = (number * multiplier).rounded()
        guard value >= 1, value < 1.8e19 else { return nil }
        return UInt64(value)
    }

    /// 30d, 12h, 90m, 45s, 2w, 1mo (30 days), 1y (365 days); a bare number
    /// is seconds. nil for anything else.
    public static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("mo", 30 * 86400), ("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400),
                                         ("h", 3600), ("m", 60), ("s", 1)]
        let text = text.lowercased()
        var number = Substring(text)
        var scale = 1.0
        if let (suffix, value) = units.first(where: { text.hasSuffix($0.0) }) {
            number = number.dropLast(suffix.count)
            scale = value
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number) else { return nil }
        return value * scale
    }
}
