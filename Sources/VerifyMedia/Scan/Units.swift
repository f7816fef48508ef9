/// Parsing of the sizes and durations the command line takes.
public enum Units {
    /// Why a size was not accepted, in words for an error message.
    public struct SizeError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Multipliers of the size suffixes, as dd(1) reads them: K, M, G, T
    /// and KiB, MiB, GiB, TiB are powers of 1024; KB, MB, GB, TB powers of
    /// 1000. Case does not matter; a bare "B" is bytes.
    static let suffixes: [(String, Double)] = [
        ("kib", 0x1p10), ("mib", 0x1p20), ("gib", 0x1p30), ("tib", 0x1p40),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12),
        ("k", 0x1p10), ("m", 0x1p20), ("g", 0x1p30), ("t", 0x1p40), ("b", 1),
    ]

    /// 4096, 512K, 200M, 1.5G, 200MiB, 200MB; "/s" may follow (rates).
    public static func bytes(_ text: String) throws(SizeError) -> UInt64 {
        var text = Substring(text.lowercased())
        if text.hasSuffix("/s") { text = text.dropLast(2) }
        var multiplier = 1.0
        if let (suffix, value) = suffixes.first(where: { text.hasSuffix($0.0) }) {
            multiplier = value
            text = text.dropLast(suffix.count)
        }
        if text.hasPrefix("-") { throw SizeError(description: "must be positive") }
        guard !text.isEmpty, text.allSatisfy({ $0.isNumber || $0 == "." }), let number = Double(text) else {
            throw SizeError(description: "not a size: a number, optionally with K, M, G, T (or KiB ... TiB: powers of 1024) or KB, MB, GB, TB (powers of 1000)")
        }
        let value = number * multiplier
        guard value > 0 else { throw SizeError(description: "must be positive") }
        guard value < 1.8e19 else { throw SizeError(description: "too large") }
        guard value == value.rounded() else { throw SizeError(description: "not a whole number of bytes") }
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
