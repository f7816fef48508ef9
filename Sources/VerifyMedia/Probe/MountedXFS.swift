/// An XFS filesystem mounted now: where, and from which block device.
public struct MountedXFS: Sendable, Equatable {
    public let mountPoint: String
    public let device: String
}

/// The XFS filesystems this process sees, in mount order, each once (bind
/// mounts of a subdirectory are left out); for shell completion.
public func mountedXFSFilesystems() -> [MountedXFS] {
    var seen = Set<String>()
    return MountTable.read().compactMap { entry in
        guard entry.fsType == "xfs", entry.root == "/", seen.insert(entry.mountPoint).inserted else { return nil }
        return MountedXFS(mountPoint: entry.mountPoint, device: entry.source)
    }
}
