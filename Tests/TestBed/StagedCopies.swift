// Programs for tests that drop privileges. The checkout may sit where only
// root can reach it (/root is 0700, so is a `mktemp -d`): user nobody could
// then neither run a binary from it nor load an LD_PRELOAD library from it.
// Copies in a 0755 directory of their own, below /tmp, reach every user.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class StagedCopies: Sendable {
    /// The 0755 directory holding the copies.
    public let directory: String
    private let copies: [String: String]

    /// Copies each file (mode 0755) into a new directory; `remove()` or
    /// deinit takes them away.
    public init(_ files: [String]) throws {
        var template = Array("/tmp/xvm-staged-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestBedError("mkdtemp: \(errnoText())")
        }
        directory = String(cString: made)
        var copies: [String: String] = [:]
        do {
            guard chmod(directory, 0o755) == 0 else { throw TestBedError("chmod \(directory): \(errnoText())") }
            for file in files {
                let copy = directory + "/" + (file as NSString).lastPathComponent
                guard copies.values.contains(copy) == false else { throw TestBedError("two files named \(copy)") }
                try FileManager.default.copyItem(atPath: file, toPath: copy)
                guard chmod(copy, 0o755) == 0 else { throw TestBedError("chmod \(copy): \(errnoText())") }
                copies[file] = copy
            }
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        self.copies = copies
    }

    /// The copy of `file`, one of those given to init.
    public func path(_ file: String) -> String {
        guard let copy = copies[file] else { preconditionFailure("\(file) was not staged") }
        return copy
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { remove() }
}
