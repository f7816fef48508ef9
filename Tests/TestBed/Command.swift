// Running commands: posix_spawn with stdout and stderr in unlinked temporary
// files, so a chatty child never blocks on a full pipe and a daemon that
// inherits them never keeps us waiting for EOF.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished command did.
public struct CommandResult: Sendable, CustomStringConvertible {
    public let argv: [String]
    /// Exit status; 128 + signal number when killed by a signal.
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// True when the command was killed because it ran past its timeout.
    public let timedOut: Bool

    public var succeeded: Bool { status == 0 && !timedOut }

    /// Throws `TestBedError` unless the command exited 0.
    @discardableResult
    public func check() throws -> CommandResult {
        guard succeeded else { throw TestBedError(description) }
        return self
    }

    public var description: String {
        let what = timedOut ? "timed out" : "exited \(status)"
        let err = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return "`\(argv.joined(separator: " "))` \(what)" + (err.isEmpty ? "" : ": \(err)")
    }
}

public struct TestBedError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Directories searched for commands after $PATH: the test bed's tools live in sbin.
let extraPath = ["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/local/bin", "/usr/bin", "/bin"]

func searchPath(_ environment: [String: String]) -> String {
    var dirs = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
    for dir in extraPath where !dirs.contains(dir) { dirs.append(dir) }
    return dirs.joined(separator: ":")
}

/// The executable `name` would run, or nil.
public func findExecutable(_ name: String) -> String? {
    if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
    for dir in searchPath(ProcessInfo.processInfo.environment).split(separator: ":") {
        let candidate = "\(dir)/\(name)"
        var st = stat()
        if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
            return candidate
        }
    }
    return nil
}

/// A child started by `spawnProcess`; the caller must `wait()` for it.
public struct SpawnedProcess: Sendable {
    public let pid: pid_t
    public let argv: [String]

    public func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(pid, signal)
    }

    /// Waits for the child; returns its exit status (128 + signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        return decodeWaitStatus(status)
    }

    /// Like `wait()`, but gives up (returning nil) after `timeout`.
    public func wait(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return decodeWaitStatus(status) }
            if r < 0 && errno != EINTR { return -1 }
            if ContinuousClock.now >= deadline { return nil }
            usleep(5_000)
        }
    }
}

func decodeWaitStatus(_ status: Int32) -> Int32 {
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
}

/// Starts `argv` in the background with stdin from /dev/null and output to
/// `outputPath` (or /dev/null). The caller owns the child and must wait for it.
public func spawnProcess(_ argv: [String], environment: [String: String] = [:],
                         outputPath: String? = nil) throws -> SpawnedProcess {
    let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
    let output = open(outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
    defer {
        if input >= 0 { close(input) }
        if output >= 0 { close(output) }
    }
    guard input >= 0, output >= 0 else { throw TestBedError("spawn \(argv.first ?? ""): \(String(cString: strerror(errno)))") }
    let pid = try spawn(argv, environment: environment, stdin: input, stdout: output, stderr: output)
    return SpawnedProcess(pid: pid, argv: argv)
}

/// Runs `argv` to completion. `environment` is added to this process's
/// environment; sbin directories are appended to PATH. Never throws for a
/// non-zero exit: look at `status` or call `check()`.
public func runCommand(_ argv: [String], environment: [String: String] = [:], stdin: String? = nil,
                       timeout: Duration? = nil) throws -> CommandResult {
    let out = try TemporaryFile(), err = try TemporaryFile()
    let input: TemporaryFile? = try stdin.map { text in
        let file = try TemporaryFile()
        try file.write(text)
        return file
    }
    let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
    defer { if devNull >= 0 { close(devNull) } }
    let process = SpawnedProcess(
        pid: try spawn(argv, environment: environment, stdin: input?.fd ?? devNull, stdout: out.fd, stderr: err.fd),
        argv: argv)
    var status: Int32
    var timedOut = false
    if let timeout {
        if let s = process.wait(timeout: timeout) {
            status = s
        } else {
            process.kill(SIGKILL)
            status = process.wait()
            timedOut = true
        }
    } else {
        status = process.wait()
    }
    return CommandResult(argv: argv, status: status, stdout: try out.readAll(), stderr: try err.readAll(),
                         timedOut: timedOut)
}

/// Low level: posix_spawn with the given descriptors as 0, 1, 2 and default signal handling.
func spawn(_ argv: [String], environment: [String: String], stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
    guard let name = argv.first else { throw TestBedError("empty command") }
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { _, new in new }
    env["PATH"] = searchPath(env)
    guard let path = findExecutable(name) else { throw TestBedError("\(name): command not found") }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, stdin, 0)
    posix_spawn_file_actions_adddup2(&actions, stdout, 1)
    posix_spawn_file_actions_adddup2(&actions, stderr, 2)
    if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t(), defaults = sigset_t()
    sigemptyset(&noSignals)
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let cArgv = argv.map { strdup($0) } + [nil]
    let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        cArgv.forEach { free($0) }
        cEnv.forEach { free($0) }
    }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attributes, cArgv, cEnv)
    guard rc == 0 else { throw TestBedError("spawn \(path): \(String(cString: strerror(rc)))") }
    return pid
}

/// glibc's posix_spawn_file_actions_addclosefrom_np (a GNU extension the Glibc module hides).
private let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32)? = {
    guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32).self)
}()

/// An unlinked temporary file, open for reading and writing.
final class TemporaryFile {
    let fd: Int32

    init() throws {
        var template = Array("/tmp/xvm-testbed-XXXXXX".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw TestBedError("mkstemp: \(String(cString: strerror(errno)))") }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    }

    deinit { close(fd) }

    func write(_ text: String) throws {
        try writeAll(fd, Array(text.utf8), path: "temporary file")
        lseek(fd, 0, SEEK_SET)
    }

    func readAll() throws -> String {
        lseek(fd, 0, SEEK_SET)
        return String(decoding: try readToEnd(fd, path: "temporary file"), as: UTF8.self)
    }
}
