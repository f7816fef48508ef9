/// Why a document is not JSON, and the byte where that was found.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    /// Offset of the offending byte from the start of the document.
    public let offset: Int
    public let reason: String

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Nesting deeper than this is refused: our files are a few levels
    /// deep, and the limit bounds the recursion on a hostile file.
    public static let maximumDepth = 64

    /// Parses a complete JSON text (RFC 8259), strictly: UTF-8 only, no
    /// byte order mark, no comments, no trailing commas, no duplicate keys,
    /// no lone surrogates, nothing after the value. Integers (no fraction,
    /// no exponent) come back exact, as `.unsigned` when not negative and
    /// `.integer` when negative; other numbers, and integers beyond 64
    /// bits, as `.double`. Members keep their order.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = JSONValue.maximumDepth) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
        return try parser.document()
    }

    public static func parse(_ text: String, maximumDepth: Int = JSONValue.maximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

/// A recursive descent over the grammar of RFC 8259, section 2 to 8.
private struct JSONParser {
    let bytes: [UInt8]
    let maximumDepth: Int
    var position = 0
    var depth = 0

    init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let result = try value()
        skipWhitespace()
        guard position == bytes.count else { throw failure("\(described(bytes[position])) after the end of the document") }
        return result
    }

    // MARK: Values

    private mutating func value() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw failure("the document ends where a value was expected") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        case let byte: throw failure("\(described(byte)) where a value was expected")
        }
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var members: [(String, JSONValue)] = []
        var keys = Set<String>()
        skipWhitespace()
        if consumeIf("}") {
            depth -= 1
            return .object(members)
        }
        repeat {
            skipWhitespace()
            let keyOffset = position
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw failure(position < bytes.count ? "\(described(bytes[position])) where a member name (a string) was expected"
                                                     : "the document ends inside an object")
            }
            let key = try string()
            guard keys.insert(key).inserted else { throw failure("duplicate member name \(JSONValue.quote(key))", at: keyOffset) }
            skipWhitespace()
            try expect(":", "after a member name")
            skipWhitespace()
            members.append((key, try value()))
            skipWhitespace()
        } while consumeIf(",")
        try expect("}", "after an object member (',' or '}')")
        depth -= 1
        return .object(members)
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        var elements: [JSONValue] = []
        skipWhitespace()
        if consumeIf("]") {
            depth -= 1
            return .array(elements)
        }
        repeat {
            skipWhitespace()
            elements.append(try value())
            skipWhitespace()
        } while consumeIf(",")
        try expect("]", "after an array element (',' or ']')")
        depth -= 1
        return .array(elements)
    }

    private mutating func enterContainer() throws(JSONParseError) {
        guard depth < maximumDepth else { throw failure("nested deeper than \(maximumDepth) levels") }
        depth += 1
        position += 1
    }

    private mutating func literal(_ word: String) throws(JSONParseError) {
        let expected = word.utf8
        guard bytes.count - position >= expected.count, bytes[position..<position + expected.count].elementsEqual(expected) else {
            throw failure("expected '\(word)'")
        }
        position += expected.count
    }

    // MARK: Strings

    /// A string at `position` (its opening quote), unescaped.
    private mutating func string() throws(JSONParseError) -> String {
        let start = position
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard position < bytes.count else { throw failure("the string that starts here is not closed", at: start) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case 0..<0x20:
                throw failure("control character \(described(byte)) in a string (must be escaped)")
            case 0x20..<0x80:
                utf8.append(byte)
                position += 1
            default:
                try copyScalar(into: &utf8)
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(JSONParseError) {
        let start = position
        position += 1
        guard position < bytes.count else { throw failure("the document ends inside an escape", at: start) }
        let simple: UInt8?
        switch bytes[position] {
        case UInt8(ascii: "\""): simple = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): simple = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): simple = UInt8(ascii: "/")
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"): simple = nil
        case let byte: throw failure("unknown escape '\\' followed by \(described(byte))", at: start)
        }
        if let simple {
            utf8.append(simple)
            position += 1
            return
        }
        position += 1
        var scalar = try hexQuad(escapeStart: start)
        if (0xDC00...0xDFFF).contains(scalar) {
            throw failure("lone low surrogate \\u\(hex(scalar))", at: start)
        }
        if (0xD800...0xDBFF).contains(scalar) {
            // Outside the basic plane, UTF-16 style: a high and a low surrogate.
            let low = position
            guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw failure("high surrogate \\u\(hex(scalar)) not followed by a low surrogate", at: start)
            }
            position += 2
            let second = try hexQuad(escapeStart: low)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw failure("high surrogate \\u\(hex(scalar)) followed by \\u\(hex(second)), not a low surrogate", at: low)
            }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (second - 0xDC00)
        }
        UTF8.encode(Unicode.Scalar(scalar)!) { utf8.append($0) }
    }

    /// The four hex digits after "\u".
    private mutating func hexQuad(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw failure("\\u needs four hex digits", at: escapeStart) }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("\\u needs four hex digits", at: escapeStart)
            }
            value = value << 4 | UInt32(digit)
        }
        position += 4
        return value
    }

    /// Copies one multi-byte UTF-8 sequence, refusing what is not UTF-8:
    /// stray continuation bytes, truncated or overlong sequences, encoded
    /// surrogates and values past U+10FFFF.
    private mutating func copyScalar(into utf8: inout [UInt8]) throws(JSONParseError) {
        let lead = bytes[position]
        let count: Int, minimum: UInt32
        switch lead {
        case 0xC2...0xDF: (count, minimum) = (2, 0x80)
        case 0xE0...0xEF: (count, minimum) = (3, 0x800)
        case 0xF0...0xF4: (count, minimum) = (4, 0x10000)
        default: throw failure("\(described(lead)) is not UTF-8")
        }
        var scalar = UInt32(lead & (0x7F >> count))
        for index in position + 1..<position + count {
            guard index < bytes.count, bytes[index] & 0xC0 == 0x80 else { throw failure("truncated UTF-8 sequence") }
            scalar = scalar << 6 | UInt32(bytes[index] & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800...0xDFFF).contains(scalar) else {
            throw failure("overlong UTF-8, an encoded surrogate, or a value past U+10FFFF")
        }
        utf8.append(contentsOf: bytes[position..<position + count])
        position += count
    }

    // MARK: Numbers

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let integerStart = position
        guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs digits after '-'") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) { throw failure("leading zero in a number", at: integerStart) }
        } else {
            skipDigits()
        }
        let integerEnd = position
        var integral = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs digits after '.'") }
            skipDigits()
            integral = false
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw failure("a number needs digits in its exponent") }
            skipDigits()
            integral = false
        }
        if integral, let magnitude = exactMagnitude(bytes[integerStart..<integerEnd]) {
            if !negative { return .unsigned(magnitude) }
            if magnitude <= UInt64(Int64.max) { return .integer(-Int64(magnitude)) }
            if magnitude == UInt64(Int64.max) + 1 { return .integer(.min) }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw failure("number out of range", at: start) }
        return .double(double)
    }

    /// The digits as a UInt64; nil when they do not fit.
    private func exactMagnitude(_ digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for digit in digits {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    // MARK: Tokens and errors

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): position += 1
            default: return
            }
        }
    }

    private mutating func consumeIf(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }

    private mutating func expect(_ character: Unicode.Scalar, _ context: String) throws(JSONParseError) {
        guard position < bytes.count else { throw failure("the document ends where '\(character)' was expected \(context)") }
        guard bytes[position] == UInt8(ascii: character) else {
            throw failure("\(described(bytes[position])) where '\(character)' was expected \(context)")
        }
        position += 1
    }

    private func failure(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    private func described(_ byte: UInt8) -> String {
        (0x21..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(hex(UInt32(byte), digits: 2))"
    }

    private func hex(_ value: UInt32, digits: Int = 4) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
