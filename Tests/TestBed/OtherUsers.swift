// Running things as another user (nobody) from a checkout that user may
// not be able to reach: cloned under /root (mode 0700) or in a mkdtemp
// directory, the binary and the libraries inside it are out of its reach.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Copies of files, in a fresh directory under /tmp that every user can
/// read and search; `remove()` deletes it.
public final class StagedFiles: Sendable {
    public let directory: String

    /// Copies each file (keeping its name and mode) into a new directory.
    public init(_ files: [String]) throws {
        var template = Array("/tmp/xvm-staged.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestBedError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        directory = String(cString: made)
        chmod(directory, 0o755)
        for file in files {
            let copy = path(of: file)
            try runCommand(["cp", "--preserve=mode", file, copy]).check()
            chmod(copy, 0o755)
        }
    }

    /// Where the copy of `file` is.
    public func path(of file: String) -> String {
        directory + "/" + URL(fileURLWithPath: file).lastPathComponent
    }

    public func remove() {
        guard directory.hasPrefix("/tmp/xvm-staged.") else { return }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `setpriv` arguments that run a command as user and group nobody.
public let asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
