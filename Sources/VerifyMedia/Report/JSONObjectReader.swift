/// A parsed document is JSON, but not what was expected: which member
/// (as a path, "devices[0].lanes[2].start"), and why.
public struct JSONShapeError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// The members of a JSON object, read by name and type. Members nobody
/// asks for are ignored, so files of later versions, which only ever add
/// members, still read.
public struct JSONObjectReader {
    /// Where this object is in the document; "" for the top level.
    public let path: String
    private let members: [String: JSONValue]

    public init(_ value: JSONValue, path: String = "") throws(JSONShapeError) {
        guard case .object(let pairs) = value else {
            throw JSONShapeError(path: path, reason: "expected an object, found \(value.kind)")
        }
        self.path = path
        // The parser refuses duplicate names; a hand-built value keeps the first.
        self.members = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
    }

    /// The top-level object of a JSON file; a syntax error becomes a
    /// shape error of the whole document.
    public static func document(_ bytes: [UInt8]) throws(JSONShapeError) -> JSONObjectReader {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw JSONShapeError(path: "", reason: error.description)
        }
        return try JSONObjectReader(value)
    }

    /// The top-level object of a file whose "format" member names what it
    /// is and which version ("xfs-verify-media-checkpoint/1").
    public static func document(_ bytes: [UInt8], format: String) throws(JSONShapeError) -> JSONObjectReader {
        let root = try document(bytes)
        let found = try root.string("format")
        guard found == format else { throw JSONShapeError(path: "format", reason: "\(JSONValue.quote(found)), not \(format)") }
        return root
    }

    /// The member, or nil when it is absent or null.
    public func optional(_ key: String) -> JSONValue? {
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    public func value(_ key: String) throws(JSONShapeError) -> JSONValue {
        guard let value = optional(key) else { throw JSONShapeError(path: pathOf(key), reason: "missing") }
        return value
    }

    public func string(_ key: String) throws(JSONShapeError) -> String {
        guard case .string(let text) = try value(key) else { throw mismatch(key, "a string") }
        return text
    }

    public func bool(_ key: String) throws(JSONShapeError) -> Bool {
        guard case .bool(let flag) = try value(key) else { throw mismatch(key, "true or false") }
        return flag
    }

    /// An integer from 0 to 2^64-1, written without fraction or exponent.
    public func uint64(_ key: String) throws(JSONShapeError) -> UInt64 {
        switch try value(key) {
        case .unsigned(let number): return number
        case .integer(let number) where number >= 0: return UInt64(number)
        default: throw mismatch(key, "an integer from 0 to \(UInt64.max)")
        }
    }

    /// Any number.
    public func double(_ key: String) throws(JSONShapeError) -> Double {
        switch try value(key) {
        case .double(let number): return number
        case .unsigned(let number): return Double(number)
        case .integer(let number): return Double(number)
        default: throw mismatch(key, "a number")
        }
    }

    /// A string that must be one of the type's raw values.
    public func enumeration<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(JSONShapeError) -> T
    where T.RawValue == String {
        let text = try string(key)
        guard let value = T(rawValue: text) else {
            throw JSONShapeError(path: pathOf(key), reason: "\(JSONValue.quote(text)) is none of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    public func object(_ key: String) throws(JSONShapeError) -> JSONObjectReader {
        try JSONObjectReader(try value(key), path: pathOf(key))
    }

    /// An array of objects, each read by `element`.
    public func objects<T>(_ key: String, _ element: (JSONObjectReader) throws(JSONShapeError) -> T) throws(JSONShapeError) -> [T] {
        guard case .array(let values) = try value(key) else { throw mismatch(key, "an array") }
        var result: [T] = []
        result.reserveCapacity(values.count)
        for (index, value) in values.enumerated() {
            result.append(try element(try JSONObjectReader(value, path: "\(pathOf(key))[\(index)]")))
        }
        return result
    }

    /// A value read by `parse`, which returns nil when the value is not acceptable.
    public func parsed<T>(_ key: String, as what: String, _ parse: (String) -> T?) throws(JSONShapeError) -> T {
        let text = try string(key)
        guard let value = parse(text) else { throw JSONShapeError(path: pathOf(key), reason: "\(JSONValue.quote(text)) is not \(what)") }
        return value
    }

    private func pathOf(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func mismatch(_ key: String, _ expected: String) -> JSONShapeError {
        JSONShapeError(path: pathOf(key), reason: "expected \(expected), found \(members[key]?.kind ?? "nothing")")
    }
}

extension JSONValue {
    /// What kind of value this is, for messages.
    var kind: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .integer(let number) where number < 0: "a negative integer"
        case .integer, .unsigned: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }
}
