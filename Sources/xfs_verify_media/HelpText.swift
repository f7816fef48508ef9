import ArgumentParser

/// `--help`, `-h` and `help [SUBCOMMAND]`. The argument parser would show
/// the root's help, which lists subcommands but no options; the command
/// line of the contract is `xfs_verify_media [options] PATH`, so the help
/// of the subcommand asked about (scan when none is named) is shown, with
/// the other subcommands listed after it.
enum HelpText {
    /// `-h`, `--help` (before a `--`), or the `help` subcommand.
    static func isRequested(by arguments: [String]) -> Bool {
        let options = arguments.prefix { $0 != "--" }
        return arguments.first == "help" || options.contains("-h") || options.contains("--help")
    }

    static func render(arguments: [String], root: XfsVerifyMedia.Type) -> String {
        let subcommands = root.configuration.subcommands
        var words = arguments.filter { !$0.hasPrefix("-") }
        if words.first == "help" { words.removeFirst() }
        let named = subcommands.first { $0.configuration.commandName == words.first }
        let command = named ?? ScanCommand.self
        var text = root.helpMessage(for: command)
        if command == ScanCommand.self {
            // scan is the default: its name may be left out.
            text = text.replacingFirst("USAGE: xfs_verify_media scan ", with: "USAGE: xfs_verify_media [scan] ")
        }
        if named == nil && subcommands.count > 1 {
            text += "\nSUBCOMMANDS:\n"
            for subcommand in subcommands {
                let name = (subcommand.configuration.commandName ?? "") + (subcommand == ScanCommand.self ? " (default)" : "")
                let padded = name + String(repeating: " ", count: max(1, 24 - name.count))
                text += "  \(padded)\(subcommand.configuration.abstract)\n"
            }
            text += "\n  See 'xfs_verify_media help <subcommand>' for detailed help.\n"
        }
        return text
    }
}

extension String {
    /// The first occurrence of `target` replaced (without Foundation).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        let characters = Array(self), wanted = Array(target)
        guard !wanted.isEmpty, characters.count >= wanted.count else { return self }
        for start in 0...(characters.count - wanted.count) where Array(characters[start..<start + wanted.count]) == wanted {
            return String(characters[..<start]) + replacement + String(characters[(start + wanted.count)...])
        }
        return self
    }
}
