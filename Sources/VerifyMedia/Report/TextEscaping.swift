/// How the text report writes names it does not choose (paths, the mount
/// point, error messages that quote them): a file named with a newline
/// must not forge a report line, nor one with ESC drive the terminal.
///
/// C-style, so that `printf '%b'` or Python's `codecs.escape_decode` give
/// the bytes back: `\\` for a backslash; `\n`, `\t`, `\r`; `\xHH` (two
/// lowercase hex digits) for each byte of any other control character
/// (C0, DEL, and the C1 controls U+0080-U+009F) and for each byte that is
/// not UTF-8. Everything else, any script, is written as it is.
public enum TextEscaping {
    public static func escape(_ text: String) -> String { escape(Array(text.utf8)) }

    public static func escape(_ bytes: [UInt8]) -> String {
        var out = ""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        // The parser consumes the bytes in order: `position` follows it,
        // for the bytes of what is escaped.
        var position = 0
        func hex(_ count: Int) {
            for byte in bytes[position..<position + count] {
                out += byte < 0x10 ? "\\x0" : "\\x"
                out += String(byte, radix: 16)
            }
        }
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                switch scalar {
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                case _ where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value): hex(encoded.count)
                default: out.unicodeScalars.append(scalar)
                }
                position += encoded.count
            case .error(let length):
                hex(length)
                position += length
            case .emptyInput:
                return out
            }
        }
    }
}
