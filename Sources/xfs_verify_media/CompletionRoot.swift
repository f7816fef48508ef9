import ArgumentParser

/// What shell completion scripts are generated from: the root's name, the
/// scan's options and PATH at the top (scan is the default subcommand, so
/// they come without the `scan` word, which the argument parser's
/// generators do not know), and every subcommand. The scripts call back
/// with `---completion -- ARG`, which `CommandMain` hands to scan.
struct CompletionRoot: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: XfsVerifyMedia.configuration.commandName,
        subcommands: XfsVerifyMedia.configuration.subcommands
    )

    @OptionGroup var arguments: ScanArguments
}
