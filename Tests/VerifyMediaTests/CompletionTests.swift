// Shell completion, as the installed scripts (--generate-completion-script)
// do it: option values, files and directories, and for PATH the mounted XFS
// filesystems, their devices and the directories inside them. bash's
// completion function is called directly; zsh and fish run interactively
// in tmux, where TAB is pressed and the screen read.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

/// A directory with the command on PATH (custom completions run it by
/// name), its three completion scripts, and a few files to complete.
final class CompletionFixture {
    let directory: String
    var bin: String { directory + "/bin" }
    var files: String { directory + "/files" }

    init() throws {
        directory = try Scheduled.temporaryDirectory("completion")
        for sub in [bin, files + "/reports", directory + "/zsh"] {
            try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        }
        try FileManager.default.createSymbolicLink(atPath: bin + "/xfs_verify_media", withDestinationPath: RepoPaths.binary)
        try Scheduled.write(files + "/report-a.json", "{}\n")
        for (shell, path) in [("bash", directory + "/xfs_verify_media.bash"), ("zsh", directory + "/zsh/_xfs_verify_media"),
                              ("fish", directory + "/xfs_verify_media.fish")] {
            try Scheduled.write(path, try runCommand([RepoPaths.binary, "--generate-completion-script", shell]).check().stdout)
        }
    }

    deinit { Scheduled.removeTree(directory) }

    /// The candidates bash offers for `line` (cursor at its end), from the
    /// completion function the script registers.
    func bash(_ line: String) throws -> [String] {
        let driver = """
            . "$1"
            COMP_LINE=$2 COMP_POINT=${#2}
            read -r -a COMP_WORDS <<<"$COMP_LINE"
            [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
            COMPREPLY=()
            _xfs_verify_media xfs_verify_media "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let run = try runCommand(["bash", "-c", driver, "bash", directory + "/xfs_verify_media.bash", line],
                                 environment: ["PATH": bin + ":/usr/bin:/bin"], timeout: .seconds(30)).check()
        return run.stdout.split(separator: "\n").map(String.init)
    }

    static let interactiveUnavailable: String? = {
        for tool in ["tmux", "zsh", "fish"] where findExecutable(tool) == nil { return "\(tool) is not installed (make test-deps)" }
        return nil
    }()
}

/// An interactive shell in a private tmux server: type, press TAB, read the screen.
final class TmuxShell {
    let socket = "xvm-completion-\(UUID().uuidString.prefix(8))"
    let session = "shell"

    /// `setup`: lines typed first (loading the completion script).
    init(_ command: [String], home: String, setup: [String]) throws {
        try tmux(["new-session", "-d", "-s", session, "-x", "220", "-y", "50",
                  "env", "-i", "HOME=\(home)", "TERM=xterm", "LANG=C.UTF-8"] + command)
        for line in setup {
            try tmux(["send-keys", "-t", session, "-l", line])
            try tmux(["send-keys", "-t", session, "Enter"])
        }
    }

    deinit { _ = try? tmux(["kill-server"]) }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        try runCommand(["tmux", "-L", socket] + arguments, timeout: .seconds(30)).check().stdout
    }

    /// Types `line` on an empty, cleared screen, presses TAB (again after
    /// 2 s: the first may only insert the common prefix), and returns the
    /// screen once `done` holds for it (or after 15 s, for the message).
    func complete(_ line: String, until done: (String) -> Bool) throws -> String {
        try tmux(["send-keys", "-t", session, "C-u", "C-l"])
        usleep(300_000)
        try tmux(["send-keys", "-t", session, "-l", line])
        try tmux(["send-keys", "-t", session, "Tab"])
        var screen = ""
        for attempt in 0..<150 {
            screen = try tmux(["capture-pane", "-t", session, "-p"])
            if done(screen) { break }
            if attempt == 20 { try tmux(["send-keys", "-t", session, "Tab"]) }
            usleep(100_000)
        }
        return screen
    }
}

@Suite(.serialized) struct CompletionTests {
    @Test(.enabled(if: Scheduled.binaryMissing == nil, Comment(rawValue: Scheduled.binaryMissing ?? "")))
    func bashCompletesOptionValuesAndFiles() throws {
        let fixture = try CompletionFixture()
        #expect(try fixture.bash("xfs_verify_media --engine ") == ["auto", "kernel", "uring", "aio", "sync"])
        #expect(try fixture.bash("xfs_verify_media --scope d") == ["data", "device"])
        #expect(try fixture.bash("xfs_verify_media --device ") == ["data", "log", "rt"])
        #expect(try fixture.bash("xfs_verify_media --device data,") == ["data,log", "data,rt"])
        #expect(try fixture.bash("xfs_verify_media --device log,data,r") == ["log,data,rt"])
        #expect(try fixture.bash("xfs_verify_media --report \(fixture.files)/rep").sorted()
                == ["\(fixture.files)/report-a.json", "\(fixture.files)/reports"])
        #expect(try fixture.bash("xfs_verify_media --checkpoint \(fixture.files)/report-").sorted() == ["\(fixture.files)/report-a.json"])
        #expect(try fixture.bash("xfs_verify_media --state-dir \(fixture.files)/rep") == ["\(fixture.files)/reports"])
        #expect(try fixture.bash("xfs_verify_media --st") == ["--state-dir"])
        #expect(try fixture.bash("xfs_verify_media -q --sc") == ["--scope"])
    }

    @Test(.enabled(if: Scheduled.binaryMissing == nil && CompletionFixture.interactiveUnavailable == nil,
                   Comment(rawValue: Scheduled.binaryMissing ?? CompletionFixture.interactiveUnavailable ?? "")))
    func zshAndFishCompleteOptionValuesAndFiles() throws {
        let fixture = try CompletionFixture()
        for shell in try shells(fixture) {
            var screen = try shell.complete("xfs_verify_media --engine ") { s in ["auto", "kernel", "uring", "aio", "sync"].allSatisfy(s.contains) }
            #expect(["auto", "kernel", "uring", "aio", "sync"].allSatisfy(screen.contains), "\(screen)")
            screen = try shell.complete("xfs_verify_media --device data,") { $0.contains("data,log") && $0.contains("data,rt") }
            #expect(screen.contains("data,log") && screen.contains("data,rt") && !screen.contains("data,data"), "\(screen)")
            screen = try shell.complete("xfs_verify_media --report \(fixture.files)/rep") { $0.contains("report-a.json") && $0.contains("reports/") }
            #expect(screen.contains("report-a.json") && screen.contains("reports/"), "\(screen)")
            screen = try shell.complete("xfs_verify_media --state-dir \(fixture.files)/rep") { $0.contains("\(fixture.files)/reports/") }
            #expect(screen.contains("\(fixture.files)/reports/") && !screen.contains("report-a.json"), "\(screen)")
        }
    }

    /// PATH: the mount point of a test bed, its block device, the
    /// directories inside it; in bash, zsh and fish.
    @Test(.enabled(if: Scheduled.binaryMissing == nil && TestBed.unavailableReason == nil,
                   Comment(rawValue: Scheduled.binaryMissing ?? TestBed.unavailableReason ?? "")))
    func pathCompletesMountPointsDevicesAndDirectories() throws {
        let fixture = try CompletionFixture()
        try TestBed.with { bed in
            try bed.writeFile("projects/report/notes.txt", size: 4096)
            try bed.writeFile("photos.jpg", size: 4096)
            let mount = bed.mountPoint, device = bed.data.device
            #expect(try fixture.bash("xfs_verify_media \(mount.dropLast(2))").contains(mount))
            #expect(try fixture.bash("xfs_verify_media \(device.dropLast(1))").contains(device))
            #expect(try fixture.bash("xfs_verify_media \(mount)/") == ["\(mount)/projects/"], "directories only")
            #expect(try fixture.bash("xfs_verify_media \(mount)/projects/r") == ["\(mount)/projects/report/"])

            guard CompletionFixture.interactiveUnavailable == nil else { return }
            for shell in try shells(fixture) {
                var screen = try shell.complete("xfs_verify_media \(mount.dropLast(2))") { $0.contains(mount) }
                #expect(screen.contains(mount), "\(screen)")
                screen = try shell.complete("xfs_verify_media \(mount)/proj") { $0.contains("\(mount)/projects/") }
                #expect(screen.contains("\(mount)/projects/"), "\(screen)")
            }
        }
    }

    /// zsh (compinit, the script on fpath) and fish (the script sourced).
    private func shells(_ fixture: CompletionFixture) throws -> [TmuxShell] {
        let path = "PATH=\(fixture.bin):/usr/bin:/bin"
        return [
            try TmuxShell(["env", path, "zsh", "-f"], home: fixture.directory,
                          setup: ["fpath=(\(fixture.directory)/zsh $fpath); autoload -U compinit; compinit -u; PS1='%% '"]),
            try TmuxShell(["env", path, "fish", "--no-config"], home: fixture.directory,
                          setup: ["source \(fixture.directory)/xfs_verify_media.fish"]),
        ]
    }
}
