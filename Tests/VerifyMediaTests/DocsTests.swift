// The documentation says what the command does: the man page's OPTIONS are
// exactly the options of --help, its EXIT STATUS the values of --help, it
// renders without warnings, and the README tells a newcomer what to run.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed
import VerifyMedia

/// The documents of the repository, read and taken apart.
enum Docs {
    static var manPagePath: String { RepoPaths.root + "/man/xfs_verify_media.8" }
    static var readmePath: String { RepoPaths.root + "/README.md" }

    /// The man pages in man/, by path.
    static func manPages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: RepoPaths.root + "/man")
            .filter { $0.range(of: #"\.[1-8]$"#, options: .regularExpression) != nil }.sorted()
            .map { RepoPaths.root + "/man/" + $0 }
    }

    static func read(_ path: String) throws -> String {
        String(decoding: try readWholeFile(path), as: UTF8.self)
    }

    /// The folders of Sources/VerifyMedia: one per stage of the scan.
    static func stageFolders() throws -> [String] {
        let sources = RepoPaths.root + "/Sources/VerifyMedia"
        return try FileManager.default.contentsOfDirectory(atPath: sources).filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: sources + "/" + name, isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted()
    }

    /// A markdown section: from its heading to the next heading of the same
    /// or a higher level.
    static func section(_ heading: String, ofMarkdown text: String) -> String {
        guard let start = text.range(of: "\n" + heading + "\n") else { return "" }
        let level = heading.prefix { $0 == "#" }.count
        var lines: [Substring] = []
        for line in text[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            let hashes = line.prefix { $0 == "#" }.count
            if hashes > 0, hashes <= level, line.dropFirst(hashes).hasPrefix(" ") { break }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: --help

    /// `xfs_verify_media --help`.
    static func help() throws -> String {
        let run = try runCommand([RepoPaths.binary, "--help"], timeout: .seconds(60))
        guard run.status == 0 else { throw TestBedError("--help failed: \(run)") }
        return run.stdout
    }

    /// The options --help lists, long and short: the option column of every
    /// line of its OPTIONS block ("  -b, --background   Gentle ...").
    static func helpOptions(_ help: String) -> Set<String> {
        var options = Set<String>()
        var inOptions = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("OPTIONS:") { inOptions = true; continue }
            guard inOptions else { continue }
            if !line.isEmpty && !line.hasPrefix(" ") { inOptions = false; continue }
            guard line.hasPrefix("  -") else { continue }
            // The option column ends where two spaces start the description.
            let text = line.dropFirst(2)
            let column = text.range(of: "  ").map { text[..<$0.lowerBound] } ?? text
            for piece in column.components(separatedBy: ", ") {
                if let name = piece.split(separator: " ").first, name.hasPrefix("-") { options.insert(String(name)) }
            }
        }
        return options
    }

    /// The exit status values of the help's "Exit status" paragraph:
    /// "Exit status, bits OR-ed: 0 all verified ...; 1 media errors ...".
    static func helpExitValues(_ help: String) -> Set<Int> {
        let flat = help.replacingOccurrences(of: "\n", with: " ")
        guard let start = flat.range(of: "Exit status") else { return [] }
        var paragraph = String(flat[start.upperBound...])
        if let end = paragraph.range(of: "  ") { paragraph = String(paragraph[..<end.lowerBound]) }
        guard let colon = paragraph.firstIndex(of: ":") else { return [] }
        var values = Set<Int>()
        for item in paragraph[paragraph.index(after: colon)...].split(separator: ";") {
            if let number = item.split(separator: " ").first.flatMap({ Int($0) }) { values.insert(number) }
        }
        return values
    }

    // MARK: The man page

    /// The lines of the section `.SH NAME` up to the next `.SH`.
    static func section(_ name: String, of page: String) -> [String] {
        var lines: [String] = []
        var inside = false
        for line in page.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(".SH") {
                let title = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                inside = title == name
                continue
            }
            if inside { lines.append(String(line)) }
        }
        return lines
    }

    /// A roff line as text: macros, font changes and escapes removed.
    static func plain(_ line: String) -> String {
        var text = line
        if text.hasPrefix(".") {
            // ".BI \-\-scope " allocated" | data": drop the macro name.
            text = text.split(separator: " ", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        }
        for escape in ["\\fB", "\\fI", "\\fR", "\\fP", "\\&", "\\c"] { text = text.replacingOccurrences(of: escape, with: "") }
        text = text.replacingOccurrences(of: "\\-", with: "-")
        text = text.replacingOccurrences(of: "\\e", with: "\\")
        text = text.replacingOccurrences(of: "\"", with: "")
        return text
    }

    /// The tags of a section's `.TP` paragraphs (the line after each `.TP`,
    /// and after each `.TQ`), as plain text.
    static func tags(_ lines: [String]) -> [String] {
        var tags: [String] = []
        for (index, line) in lines.enumerated() where (line == ".TP" || line == ".TQ") && index + 1 < lines.count {
            tags.append(plain(lines[index + 1]))
        }
        return tags
    }

    /// Words of `text` that look like options: -x or --long-name.
    static func optionWords(_ text: String) -> Set<String> {
        var options = Set<String>()
        let separators = CharacterSet.whitespaces.union(CharacterSet(charactersIn: ",()[]|"))
        for word in text.components(separatedBy: separators) {
            let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: ".;:"))
            if trimmed.range(of: #"^--[a-z][a-z0-9-]*$"#, options: .regularExpression) != nil
                || trimmed.range(of: #"^-[A-Za-z]$"#, options: .regularExpression) != nil {
                options.insert(trimmed)
            }
        }
        return options
    }

    /// The options the man page documents: those in the tags of OPTIONS.
    static func manOptions(_ page: String) -> Set<String> {
        tags(section("OPTIONS", of: page)).reduce(into: Set<String>()) { $0.formUnion(optionWords($1)) }
    }

    /// Every option word anywhere in the OPTIONS section.
    static func manOptionsSectionWords(_ page: String) -> Set<String> {
        section("OPTIONS", of: page).reduce(into: Set<String>()) { $0.formUnion(optionWords(plain($1))) }
    }

    /// The values of the EXIT STATUS section's tags.
    static func manExitValues(_ page: String) -> Set<Int> {
        Set(tags(section("EXIT STATUS", of: page)).compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
    }
}

@Suite struct DocsTests {
    static let binaryMissing: String? =
        access(RepoPaths.binary, X_OK) == 0 ? nil : "\(RepoPaths.binary) is not built (swift build)"

    // MARK: The parsers themselves

    @Test func helpParserReadsOptionColumns() {
        let help = """
        OVERVIEW: x

        OPTIONS:
          --scope <allocated|data|device>
                                  What to verify.
          -b, --background        Gentle mode: low queue depth, e.g. -q.
          -C <FD>                 Write lines.
          -V                      Print the version and exit.
          -h, --help              Show help information.

        """
        #expect(Docs.helpOptions(help) == ["--scope", "-b", "--background", "-C", "-V", "-h", "--help"])
    }

    @Test func manParserReadsOptionTags() {
        let page = """
        .SH OPTIONS
        .TP
        .BI \\-\\-scope " allocated" | data
        What; see
        .BR \\-\\-device .
        .TP
        .BR \\-b ", " \\-\\-background
        Gentle.
        .SH EXIT STATUS
        .TP
        .B 0
        Fine.
        .TP
        .B 16
        New.
        """
        #expect(Docs.manOptions(page) == ["--scope", "-b", "--background"])
        #expect(Docs.manOptionsSectionWords(page).contains("--device"))
        #expect(Docs.manExitValues(page) == [0, 16])
    }

    // MARK: The man page against --help

    @Test(.enabled(if: binaryMissing == nil, Comment(rawValue: binaryMissing ?? "")))
    func everyHelpOptionIsInTheManPage() throws {
        let options = Docs.helpOptions(try Docs.help())
        #expect(options.count >= 20, "parsed too few options from --help: \(options.sorted())")
        let page = try Docs.read(Docs.manPagePath)
        let documented = Docs.manOptions(page)
        let missing = options.subtracting(documented)
        #expect(missing.isEmpty, "in --help but not documented in the man page's OPTIONS: \(missing.sorted())")
        let synopsis = Docs.section("SYNOPSIS", of: page).map(Docs.plain).joined(separator: " ")
        for option in options where option.hasPrefix("--") && !["--help", "--version", "--background", "--verbose", "--quiet"].contains(option) {
            #expect(synopsis.contains(option), "\(option) is not in the SYNOPSIS")
        }
    }

    @Test(.enabled(if: binaryMissing == nil, Comment(rawValue: binaryMissing ?? "")))
    func everyManPageOptionExists() throws {
        let options = Docs.helpOptions(try Docs.help())
        let page = try Docs.read(Docs.manPagePath)
        let documented = Docs.manOptions(page)
        #expect(documented.count >= 20, "parsed too few options from the man page: \(documented.sorted())")
        let unknown = documented.subtracting(options)
        #expect(unknown.isEmpty, "documented in the man page but not in --help: \(unknown.sorted())")
        // Options mentioned in the OPTIONS text (not only its tags) exist too.
        let mentioned = Docs.manOptionsSectionWords(page).subtracting(options)
        #expect(mentioned.isEmpty, "mentioned in OPTIONS but not in --help: \(mentioned.sorted())")
    }

    @Test(.enabled(if: binaryMissing == nil, Comment(rawValue: binaryMissing ?? "")))
    func exitStatusValuesMatchHelp() throws {
        let fromHelp = Docs.helpExitValues(try Docs.help())
        #expect(fromHelp.isSuperset(of: [0, 1, 2, 4, 8]), "exit values parsed from --help: \(fromHelp.sorted())")
        let fromMan = Docs.manExitValues(try Docs.read(Docs.manPagePath))
        #expect(fromMan == fromHelp, "man page \(fromMan.sorted()) vs --help \(fromHelp.sorted())")
    }

    /// Watch mode has its own options: `watch --help` and the man page's
    /// WATCH OPTIONS name the same ones, and the SYNOPSIS shows them.
    @Test(.enabled(if: binaryMissing == nil, Comment(rawValue: binaryMissing ?? "")))
    func watchOptionsAreTheManPages() throws {
        let help = try runCommand([RepoPaths.binary, "watch", "--help"], timeout: .seconds(60)).check().stdout
        let options = Docs.helpOptions(help)
        #expect(options.count >= 14, "parsed too few options from watch --help: \(options.sorted())")
        let page = try Docs.read(Docs.manPagePath)
        let documented = Docs.tags(Docs.section("WATCH OPTIONS", of: page)).reduce(into: Set<String>()) { $0.formUnion(Docs.optionWords($1)) }
        #expect(options == documented, "watch --help \(options.sorted()) vs WATCH OPTIONS \(documented.sorted())")
        let synopsis = Docs.section("SYNOPSIS", of: page).map(Docs.plain).joined(separator: " ")
        for option in options where option.hasPrefix("--") && !["--help", "--background"].contains(option) {
            #expect(synopsis.contains(option), "\(option) is not in the SYNOPSIS")
        }
        let mounts = Docs.helpOptions(try runCommand([RepoPaths.binary, "watch-mounts", "--help"], timeout: .seconds(60)).check().stdout)
        #expect(mounts == ["--dry-run", "-h", "--help"])
        #expect(synopsis.contains("watch-mounts --dry-run"), "\(synopsis)")
        // The watch's own exit values are the man page's.
        let values = Docs.helpExitValues(help)
        #expect(values == [0, 4, 8, 32], "\(values.sorted())")
        #expect(Docs.manExitValues(page).contains(32))
    }

    @Test func manPageHasTheSections() throws {
        let page = try Docs.read(Docs.manPagePath)
        for name in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "FILES", "EXAMPLES", "SEE ALSO"] {
            #expect(!Docs.section(name, of: page).isEmpty, "no .SH \(name)")
        }
        let seeAlso = Docs.section("SEE ALSO", of: page).map(Docs.plain).joined(separator: " ")
        for reference in ["xfs_scrub (8)", "xfs_io (8)", "ioctl_getfsmap (2)", "ioctl_xfs_verify_media (2)", "systemd.timer (5)"] {
            #expect(seeAlso.contains(reference), "SEE ALSO lacks \(reference): \(seeAlso)")
        }
        let files = Docs.section("FILES", of: page).map(Docs.plain).joined(separator: " ")
        #expect(files.contains("/var/lib/xfs_verify_media/UUID.json"))
    }

    /// Every page in man/ (make install and make deb install them all).
    @Test(.enabled(if: findExecutable("man") != nil, "man is not installed"))
    func manPagesRenderWithoutWarnings() throws {
        let pages = try Docs.manPages()
        #expect(pages.count >= 2, "\(pages)")
        for page in pages {
            let run = try runCommand(["man", "--warnings", "-l", page], environment: ["MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"],
                                     timeout: .seconds(60))
            #expect(run.status == 0, "\(run)")
            #expect(run.stderr.isEmpty, "\(page): warnings: \(run.stderr)")
            #expect(run.stdout.contains("EXIT STATUS"), "\(page) rendered: \(run.stdout.prefix(500))")
        }
    }

    /// xfs_verify_media_all(8) documents exactly the options of its --help.
    @Test func allScriptManPageMatchesItsHelp() throws {
        let help = try runCommand([Scheduled.allScript, "--help"], timeout: .seconds(60)).check().stdout
        var options = Set<String>()
        for line in help.split(separator: "\n") where line.hasPrefix("  -") {
            let text = line.dropFirst(2)
            let column = text.range(of: "  ").map { text[..<$0.lowerBound] } ?? text
            for piece in column.components(separatedBy: ", ") {
                options.formUnion(Docs.optionWords(String(piece.split(separator: " ").first ?? "")))
            }
        }
        #expect(options.isSuperset(of: ["--systemd", "--direct", "-n", "--dry-run", "--binary", "--state-dir", "--interval", "-h", "--help"]),
                "parsed from --help: \(options.sorted())")
        let page = try Docs.read(RepoPaths.root + "/man/xfs_verify_media_all.8")
        #expect(Docs.manOptions(page) == options, "man page \(Docs.manOptions(page).sorted()) vs --help \(options.sorted())")
        for name in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "FILES", "EXAMPLES", "SEE ALSO"] {
            #expect(!Docs.section(name, of: page).isEmpty, "no .SH \(name)")
        }
    }

    /// Every subcommand --help lists (besides scan) has its paragraph in the
    /// man page's SUBCOMMANDS and an example in README and EXAMPLES; every
    /// unit is in the man page's FILES and in README.
    @Test(.enabled(if: binaryMissing == nil, Comment(rawValue: binaryMissing ?? "")))
    func subcommandsAndUnitsAreDocumented() throws {
        let help = try Docs.help()
        let listed = help.split(separator: "\n").drop { !$0.hasPrefix("SUBCOMMANDS:") }.dropFirst()
            .compactMap { $0.hasPrefix("  ") && !$0.hasPrefix("   ") ? $0.split(separator: " ").first.map(String.init) : nil }
            .filter { $0.allSatisfy(\.isLowercase) }
        #expect(Set(listed).isSuperset(of: ["scan", "status", "history"]), "\(help)")
        let page = try Docs.read(Docs.manPagePath)
        let subcommands = Docs.section("SUBCOMMANDS", of: page).map(Docs.plain)
        let examples = Docs.section("EXAMPLES", of: page).map(Docs.plain).joined(separator: "\n")
        let readme = try Docs.read(Docs.readmePath)
        for name in ["status", "history"] {
            #expect(subcommands.contains { $0.hasPrefix(name + " [") }, "man page SUBCOMMANDS lacks \(name)")
            #expect(examples.contains("xfs_verify_media \(name) "), "man page EXAMPLES lacks \(name)")
            #expect(readme.contains("xfs_verify_media \(name) "), "README lacks an example of \(name)")
        }
        let files = Docs.section("FILES", of: page).map(Docs.plain).joined(separator: " ")
        for unit in Scheduled.units {
            #expect(files.contains("/etc/systemd/system/" + unit), "man page FILES lacks \(unit)")
            #expect(readme.contains(unit.replacingOccurrences(of: ".service", with: "").replacingOccurrences(of: ".timer", with: "")),
                    "README lacks \(unit)")
        }
    }

    /// JOURNAL lists every MESSAGE_ID the code sends and every XVM_ field
    /// the sources name, so that `journalctl FIELD=` works as documented;
    /// README shows a MESSAGE_ID that exists.
    @Test func journalFieldsAndMessageIDsAreDocumented() throws {
        let journal = Docs.section("JOURNAL", of: try Docs.read(Docs.manPagePath)).map(Docs.plain).joined(separator: " ")
        for kind in FindingKind.allCases {
            #expect(journal.contains(kind.messageID), "JOURNAL lacks MESSAGE_ID \(kind.messageID) (\(kind))")
        }
        var named: Set<String> = []
        let sources = RepoPaths.root + "/Sources/VerifyMedia"
        for file in FileManager.default.enumerator(atPath: sources)?.compactMap({ $0 as? String }) ?? [] where file.hasSuffix(".swift") {
            let text = try Docs.read(sources + "/" + file)
            for match in text.matches(of: /"(XVM_[A-Z_]+)"/) { named.insert(String(match.1)) }
        }
        #expect(named.count > 20, "no fields found under \(sources)")
        let words = Set(journal.split { !($0.isUppercase || $0.isNumber || $0 == "_") }.map(String.init))
        for field in named.sorted() { #expect(words.contains(field), "JOURNAL lacks \(field)") }
        let readme = try Docs.read(Docs.readmePath)
        #expect(readme.contains("journalctl MESSAGE_ID=\(FindingKind.fileDataLost.messageID)"))
    }

    // MARK: README

    @Test func readmeTellsANewcomerWhatToRun() throws {
        let readme = try Docs.read(Docs.readmePath)
        #expect(readme.contains("make demo"))
        #expect(readme.contains("make test"))
        #expect(readme.contains("make install"))
        #expect(readme.contains("make uninstall"))
        #expect(readme.contains("make deb"))
        #expect(readme.contains("## Performance"))
        for phrase in ["xfs_verify_media watch", "--restore-from", "xfs_verify_media_watch_mounts.service", "xfs_healer"] {
            #expect(readme.contains(phrase), "README.md does not tell about \(phrase)")
        }
        let tree = Docs.section("## Source tree", ofMarkdown: readme)
        for folder in try Docs.stageFolders() + ["CXFS", "CLibURing", "CLibAIO", "testbed/", "Tests/", "bench/", "man/",
                                                  "systemd/", "cron/", "packaging/", "scripts/", "schema/"] {
            #expect(tree.contains(folder), "the source tree in README.md lacks \(folder)")
        }
    }

    /// ARCHITECTURE.md places every folder of the library and states every
    /// exit status the man page documents.
    @Test func architectureCoversEveryStageAndExitStatus() throws {
        let architecture = try Docs.read(RepoPaths.root + "/ARCHITECTURE.md")
        for folder in try Docs.stageFolders() {
            #expect(architecture.contains("`\(folder)/`"), "ARCHITECTURE.md does not place \(folder)/")
        }
        let table = Docs.section("### Exit status", ofMarkdown: architecture)
        let values = Set(table.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("| ") else { return nil }
            return Int(line.dropFirst(2).prefix { $0.isNumber })
        })
        #expect(values == Docs.manExitValues(try Docs.read(Docs.manPagePath)), "exit values in ARCHITECTURE.md: \(values.sorted())")
        #expect(architecture.contains("schema/xfs-verify-media-1.schema.json"))
    }

    /// Every subcommand of testbed/guest (as its --help lists them) is in
    /// testbed/README.md, and the README says how to run the guest suite.
    @Test func guestCommandsAreDocumented() throws {
        let help = try runCommand([RepoPaths.root + "/testbed/guest", "--help"]).check().stdout
        let documented = try Docs.read(RepoPaths.root + "/testbed/README.md")
        let commands = help.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.count >= 2 && words[0] == "testbed/guest" ? String(words[1]) : nil
        }
        #expect(Set(commands) == ["fetch", "info", "check", "run", "userland", "suite"], "\(help)")
        for command in commands {
            #expect(documented.contains("testbed/guest \(command)"), "testbed/README.md lacks testbed/guest \(command)")
        }
        let readme = try Docs.read(Docs.readmePath)
        #expect(readme.contains("make test-guest"))
    }

    /// The cron line the Makefile installs (disabled) is the one README and
    /// the man page show, and it runs the script the Makefile installs.
    @Test func cronLineIsTheSameEverywhere() throws {
        let file = try Docs.read(RepoPaths.root + "/cron/xfs_verify_media").split(separator: "\n")
        let lines = file.filter { $0.contains("xfs_verify_media_all --direct") }
        #expect(lines.count == 1 && lines.allSatisfy { $0.hasPrefix("#30 3 1 * * root ") }, "one line, disabled: \(lines)")
        let cron = String(try #require(lines.first).dropFirst())
        #expect(cron.contains("/usr/local/sbin/xfs_verify_media_all --direct") && cron.contains("test ! -d /run/systemd/system"))
        #expect(try Docs.read(Docs.readmePath).contains(cron))
        let page = try Docs.read(Docs.manPagePath).split(separator: "\n").map { Docs.plain(String($0)) }
        #expect(page.contains(cron))
    }
}
