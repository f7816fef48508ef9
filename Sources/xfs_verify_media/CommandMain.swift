import ArgumentParser
import Glibc
import VerifyMedia

/// A subcommand: parsed by the argument parser, run by `CommandMain`.
protocol VerifyMediaCommand: ParsableCommand {
    /// Does the work; the exit status, or a signal to die of.
    func execute() -> CommandExit
}

/// How a command ends.
enum CommandExit {
    /// Exit with these bits (the contract's exit status).
    case status(ExitStatus)
    /// Die of this signal with its default action, after the report is out
    /// (an orderly stop by SIGTERM that saved its checkpoint: systemd then
    /// counts the unit as stopped cleanly, not failed).
    case signal(Int32)
}

/// `main()` for every subcommand: the contract's exit statuses (usage
/// errors 8, not the argument parser's 64), `-V`, `--help`, and failures
/// printed as one line on stderr.
enum CommandMain {
    static func run(_ root: XfsVerifyMedia.Type, arguments: [String]) -> Never {
        // Before parsing: the version needs no PATH.
        if arguments == ["-V"] || arguments == ["--version"] {
            print(arguments == ["-V"] ? "xfs_verify_media \(root.version)" : root.version)
            exit(0)
        }
        if arguments.contains("--generate-completion-script") {
            do {
                _ = try CompletionRoot.parseAsRoot(arguments)
            } catch {
                print(CompletionRoot.fullMessage(for: error))
                exit(CompletionRoot.exitCode(for: error) == .success ? 0 : ExitStatus.usage.rawValue)
            }
        }
        // A completion script asking for candidates of a top-level argument:
        // that is one of scan's (see CompletionRoot).
        var arguments = arguments
        if arguments.starts(with: ["---completion", "--"]) { arguments.insert(ScanCommand.configuration.commandName ?? "scan", at: 1) }
        let command: ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            if root.exitCode(for: error) == .success {
                // Help, or what the parser prints itself (a completion script).
                print(HelpText.isRequested(by: arguments) ? HelpText.render(arguments: arguments, root: root)
                                                          : root.fullMessage(for: error))
                exit(0)
            }
            // The parser answers a missing PATH of the default subcommand
            // with the root's whole help: one line and the usage say more.
            let full = root.fullMessage(for: error)
            let message = full.contains("Usage:") ? full
                : "Error: \(root.message(for: error))\nUsage: xfs_verify_media \(root.usageString(for: arguments))\n"
                    + "  See 'xfs_verify_media --help' for more information."
            Output.standardError.write("xfs_verify_media: \(message)\n")
            exit(ExitStatus.usage.rawValue)
        }
        guard let command = command as? any VerifyMediaCommand else {
            // The parser's own `help` command (also what --help becomes).
            print(HelpText.render(arguments: arguments, root: root))
            exit(0)
        }
        switch command.execute() {
        case .status(let status):
            exit(status.rawValue)
        case .signal(let number):
            var signals = sigset_t()
            sigemptyset(&signals)
            sigaddset(&signals, number)
            signal(number, SIG_DFL)
            pthread_sigmask(SIG_UNBLOCK, &signals, nil)
            raise(number)
            exit(ExitStatus.operational.rawValue)
        }
    }
}

extension XfsVerifyMedia {
    /// The usage line of the subcommand the arguments name (scan by default).
    static func usageString(for arguments: [String]) -> String {
        let subcommand = configuration.subcommands.first { $0.configuration.commandName == arguments.first } ?? ScanCommand.self
        return subcommand.usageString()
    }
}

/// stdout and stderr without Foundation.
enum Output {
    case standardOutput, standardError

    func write(_ text: String) {
        try? FileDescriptor(rawValue: self == .standardOutput ? 1 : 2).write(text)
    }
}
