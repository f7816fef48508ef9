import ArgumentParser
import Glibc
import VerifyMedia

/// The root command: `xfs_verify_media [scan] [options] PATH`. Subcommands
/// are types listed here, each in its own file; `scan` is the default, so
/// the command line of the contract works unchanged.
@main
struct XfsVerifyMedia: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "xfs_verify_media",
        abstract: "Find unreadable sectors under a mounted XFS filesystem and name the files and metadata they hit.",
        subcommands: [ScanCommand.self, StatusCommand.self, HistoryCommand.self, WatchCommand.self, WatchMountsCommand.self],
        defaultSubcommand: ScanCommand.self
    )

    static func main() {
        CommandMain.run(XfsVerifyMedia.self, arguments: Array(CommandLine.arguments.dropFirst()))
    }
}
