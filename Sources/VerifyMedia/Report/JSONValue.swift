/// A JSON document that keeps its keys in the order they were written,
/// so the report reads top-down the way the contract lists it.
public indirect enum JSONValue: Equatable, Sendable {
    case object([(String, JSONValue)])
    case array([JSONValue])
    case string(String)
    case integer(Int64)
    case unsigned(UInt64)
    case double(Double)
    case bool(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool { a.serialized() == b.serialized() }

    /// Pretty-printed with two-space indentation.
    public func serialized(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1)
        let closing = String(repeating: "  ", count: indent)
        switch self {
        case .object(let members):
            if members.isEmpty { return "{}" }
            let body = members.map { "\(pad)\(JSONValue.quote($0.0)): \($0.1.serialized(indent: indent + 1))" }
            return "{\n" + body.joined(separator: ",\n") + "\n\(closing)}"
        case .array(let elements):
            if elements.isEmpty { return "[]" }
            let body = elements.map { pad + $0.serialized(indent: indent + 1) }
            return "[\n" + body.joined(separator: ",\n") + "\n\(closing)]"
        case .string(let text): return JSONValue.quote(text)
        case .integer(let value): return String(value)
        case .unsigned(let value): return String(value)
        case .double(let value):
            guard value.isFinite else { return "null" }
            let thousandths = (value * 1000).rounded() / 1000
            return thousandths == thousandths.rounded() && abs(thousandths) < 1e15 ? String(Int64(thousandths)) : String(thousandths)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        }
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension JSONValue {
    init(_ value: UInt64) { self = .unsigned(value) }
    init(_ value: Int) { self = .integer(Int64(value)) }
    init(_ value: String?) { self = value.map(JSONValue.string) ?? .null }
}
