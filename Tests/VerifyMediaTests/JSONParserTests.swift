// The JSON parser the checkpoint and history files are read with: what
// RFC 8259 allows, exact 64-bit integers, and for everything else an error
// at the byte where the document went wrong.
import Foundation
import Testing
@testable import VerifyMedia

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(" {\"a\": [true, false, null, \"x\"], \"b\": {}, \"c\": [], \"d\": -12}\r\n\t")
        #expect(value == .object([
            ("a", .array([.bool(true), .bool(false), .null, .string("x")])),
            ("b", .object([])), ("c", .array([])), ("d", .integer(-12)),
        ]))
        // Members keep their order.
        guard case .object(let members) = try JSONValue.parse("{\"z\": 1, \"a\": 2, \"m\": 3}") else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.0) == ["z", "a", "m"])
    }

    @Test func integersAreExactAndOtherNumbersDouble() throws {
        #expect(try JSONValue.parse("0") == .unsigned(0))
        #expect(try JSONValue.parse("-0") == .integer(0))
        #expect(try JSONValue.parse("18446744073709551615") == .unsigned(.max))
        #expect(try JSONValue.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONValue.parse("9007199254740993") == .unsigned(9_007_199_254_740_993), "2^53 + 1, not representable as a Double")
        guard case .double(let beyond) = try JSONValue.parse("18446744073709551616") else {
            Issue.record("2^64 is not an integer of 64 bits")
            return
        }
        #expect(beyond == 18_446_744_073_709_551_616.0)
        for (text, expected) in [("1.5", 1.5), ("-1e-3", -0.001), ("1E+2", 100.0), ("0.1", 0.1), ("1796043987.250774", 1796043987.250774)] {
            guard case .double(let number) = try JSONValue.parse(text) else {
                Issue.record("\(text) is not a double")
                continue
            }
            #expect(number == expected, "\(text)")
        }
    }

    @Test func unescapesStrings() throws {
        let text = #""q\" b\\ s\/ \b\f\n\r\t é \u00e9 \u20AC \ud83d\ude00 raw ✓""#
        #expect(try JSONValue.parse(text) == .string("q\" b\\ s/ \u{8}\u{C}\n\r\t é é € 😀 raw ✓"))
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func readsWhatTheRendererWrites() throws {
        let value = JSONValue.object([
            ("path", .string("/srv/my \"data\"\\\n\u{1}é😀")), ("count", .unsigned(.max)), ("offset", .integer(-5)),
            ("seconds", .double(2.5)), ("flags", .array([.bool(true), .null])), ("empty", .object([])),
        ])
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    /// Each broken document: the offset of the byte that is wrong, and words of the reason.
    @Test(arguments: [
        ("", 0, "ends where a value"),
        ("{", 1, "ends inside an object"),
        ("[1,]", 3, "']' where a value"),
        ("[1 2]", 3, "'2' where ']'"),
        ("{\"a\":1,}", 7, "'}' where a member name"),
        ("{\"a\" 1}", 5, "'1' where ':'"),
        ("{a:1}", 1, "'a' where a member name"),
        ("{\"a\":1,\"a\":2}", 7, "duplicate member name \"a\""),
        ("01", 0, "leading zero"),
        ("-01", 1, "leading zero"),
        ("1.", 2, "digits after '.'"),
        (".5", 0, "'.' where a value"),
        ("-", 1, "digits after '-'"),
        ("+1", 0, "'+' where a value"),
        ("1e", 2, "exponent"),
        ("1e999", 0, "out of range"),
        ("NaN", 0, "'N' where a value"),
        ("tru", 0, "expected 'true'"),
        ("nul", 0, "expected 'null'"),
        ("1 2", 2, "'2' after the end"),
        ("{} x", 3, "'x' after the end"),
        ("\"abc", 0, "not closed"),
        ("\"a\u{1}\"", 2, "control character byte 0x01"),
        ("\"a\tb\"", 2, "control character byte 0x09"),
        ("\"\\x\"", 1, "unknown escape"),
        ("\"\\u12\"", 1, "four hex digits"),
        ("\"\\u12G4\"", 1, "four hex digits"),
        ("\"\\ud800\"", 1, "high surrogate \\uD800 not followed"),
        ("\"\\udc00\"", 1, "lone low surrogate \\uDC00"),
        ("\"\\ud800\\u0041\"", 7, "followed by \\u0041"),
        ("// comment\n1", 0, "'/' where a value"),
        ("[1,2", 4, "ends where ']'"),
    ])
    func refusesBrokenDocuments(_ text: String, _ offset: Int, _ reason: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        do {
            _ = try JSONValue.parse(text)
        } catch {
            #expect(error.offset == offset, "\(text.debugDescription): \(error)")
            #expect(error.reason.contains(reason), "\(text.debugDescription): \(error)")
            #expect(error.description.hasPrefix("invalid JSON at byte \(offset): "))
        }
    }

    /// Bytes that are not UTF-8, and a byte order mark, are refused where they are.
    @Test(arguments: [
        ([0x22, 0xC0, 0x80, 0x22], 1, "not UTF-8"),          // overlong NUL
        ([0x22, 0xE0, 0x80, 0x80, 0x22], 1, "overlong"),      // overlong 3-byte
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "surrogate"),     // U+D800 encoded
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "U+10FFFF"), // U+110000
        ([0x22, 0xE2, 0x82, 0x22], 1, "truncated"),
        ([0x22, 0x80, 0x22], 1, "byte 0x80 is not UTF-8"),
        ([0x22, 0xFF, 0x22], 1, "byte 0xFF is not UTF-8"),
        ([0xEF, 0xBB, 0xBF, 0x7B, 0x7D], 0, "byte 0xEF where a value"),
    ] as [([UInt8], Int, String)])
    func refusesWhatIsNotUTF8(_ bytes: [UInt8], _ offset: Int, _ reason: String) {
        do {
            let value = try JSONValue.parse(bytes)
            Issue.record("parsed \(bytes) as \(value.serialized())")
        } catch {
            #expect(error.offset == offset, "\(bytes): \(error)")
            #expect(error.reason.contains(reason), "\(bytes): \(error)")
        }
    }

    @Test func limitsTheNesting() throws {
        let deepest = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(throws: Never.self) { try JSONValue.parse(deepest) }
        let deeper = "[" + deepest + "]"
        do {
            _ = try JSONValue.parse(deeper)
            Issue.record("parsed \(JSONValue.maximumDepth + 1) levels")
        } catch {
            #expect(error.offset == JSONValue.maximumDepth)
            #expect(error.reason.contains("nested deeper than \(JSONValue.maximumDepth)"))
        }
        // A hostile file deep enough to overflow a recursive parser's stack.
        #expect(throws: JSONParseError.self) { try JSONValue.parse(String(repeating: "{\"a\":", count: 1_000_000)) }
    }

    @Test func objectReaderNamesThePathOfAProblem() throws {
        let document = try JSONObjectReader.document(Array(#"{"devices": [{"lanes": [{"start": 1}, {"start": "2"}]}], "n": -1}"#.utf8))
        do {
            _ = try document.objects("devices") { device throws(JSONShapeError) in
                try device.objects("lanes") { lane throws(JSONShapeError) in try lane.uint64("start") }
            }
            Issue.record("a string read as an integer")
        } catch {
            #expect(error.description == "devices[0].lanes[1].start: expected an integer from 0 to 18446744073709551615, found a string")
        }
        #expect(throws: JSONShapeError(path: "missing", reason: "missing")) { try document.string("missing") }
        #expect(throws: JSONShapeError.self) { try document.uint64("n") }
        #expect(try document.double("n") == -1)
        #expect(throws: JSONShapeError(path: "", reason: "invalid JSON at byte 1: the document ends inside an object")) {
            try JSONObjectReader.document(Array("{".utf8))
        }
        #expect(throws: JSONShapeError(path: "", reason: "expected an object, found an array")) {
            try JSONObjectReader.document(Array("[]".utf8))
        }
    }
}

@Suite struct LatencyHistogramTests {
    @Test func bucketsKeepThreeSignificantDigits() {
        var previous = -1
        for value in [0, 1, 2047, 2048, 2050, 4095, 4096, 1_000_000, 120_000_000, UInt64.max >> 1] as [UInt64] {
            let index = LatencyHistogram.index(of: value)
            #expect(index > previous, "\(value)")
            previous = index
            let highest = LatencyHistogram.highestValue(at: index)
            #expect(highest >= value, "\(value) lies in its bucket")
            #expect(highest - value <= value / 1024, "\(value): bucket up to \(highest) is too wide")
            #expect(index == 0 || LatencyHistogram.highestValue(at: index - 1) < value, "\(value) lies in one bucket only")
        }
        // Below 2048 every value has its own bucket.
        #expect((0..<2048).allSatisfy { LatencyHistogram.highestValue(at: LatencyHistogram.index(of: UInt64($0))) == UInt64($0) })
    }

    @Test func percentilesAreNearestRank() {
        var histogram = LatencyHistogram()
        #expect(histogram.valueAtPercentile(50) == 0 && histogram.max == 0 && histogram.totalCount == 0)
        for value in 1...1000 as ClosedRange<UInt64> { histogram.record(value) }
        histogram.record(1_000_000)
        #expect(histogram.totalCount == 1001)
        #expect(histogram.valueAtPercentile(50) == 501)
        #expect(histogram.valueAtPercentile(99) == 991)
        #expect(histogram.valueAtPercentile(99.9) == 1000)
        #expect(histogram.valueAtPercentile(100) == 1_000_000)
        #expect(histogram.max == 1_000_000)
        let top = histogram.valueAtPercentile(100)
        #expect(top <= histogram.max)
    }
}

@Suite struct Base64Tests {
    /// The report's path_base64 is what Foundation would have written.
    @Test func encodesAsFoundationDoes() {
        var generator = SystemRandomNumberGenerator()
        var samples: [[UInt8]] = [[], [0], [0xFF], [0, 1], [0xFB, 0xFF, 0xBF], Array("/srv/caf\u{E9}".utf8), [0x66, 0x6F, 0x80, 0xFE]]
        for length in 1...64 { samples.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }) }
        for bytes in samples {
            #expect(Base64.encode(bytes) == Data(bytes).base64EncodedString(), "\(bytes)")
        }
        #expect(Base64.encode(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw==")
    }
}
