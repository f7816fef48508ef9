// Where things are in the repository, found from this file's path.
import Foundation

public enum RepoPaths {
    /// The repository root (this file is <root>/Tests/TestBed/RepoPaths.swift).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The built command: $XVM_BINARY, or <root>/.build/debug/xfs_verify_media.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["XVM_BINARY"], !path.isEmpty { return path }
        return root + "/.build/debug/xfs_verify_media"
    }

    /// testbed/testbed, the shell script that builds and tears down test beds.
    public static var testbedScript: String { root + "/testbed/testbed" }

    /// The FUSE fault disk (`make .build/testbed/faultdisk`).
    public static var faultDisk: String {
        if let path = ProcessInfo.processInfo.environment["XVM_FAULTDISK"], !path.isEmpty { return path }
        return root + "/.build/testbed/faultdisk"
    }

    /// Where test beds live: $XVM_TESTBED_BASE or /var/tmp/xfs_verify_media-testbed.
    public static var testbedBase: String {
        if let path = ProcessInfo.processInfo.environment["XVM_TESTBED_BASE"], !path.isEmpty { return path }
        return "/var/tmp/xfs_verify_media-testbed"
    }
}
