// /proc/self/mountinfo, parsed.

public struct MountInfo: Sendable, Equatable {
    /// Where it is mounted (octal escapes such as \040 left as they are).
    public let mountPoint: String
    /// "xfs", "fuse.faultdisk", ...
    public let type: String
    /// The device or source, e.g. /dev/loop0.
    public let source: String
    /// Per-super-block options, e.g. "rw,inode64,logbufs=8,logbsize=32k,logdev=/dev/loop1,noquota".
    public let superOptions: String
}

/// The mounts this process sees.
public func mountTable() throws -> [MountInfo] {
    String(decoding: try readWholeFile("/proc/self/mountinfo"), as: UTF8.self).split(separator: "\n").compactMap { line in
        guard let dash = line.range(of: " - ") else { return nil }
        let left = line[..<dash.lowerBound].split(separator: " "), right = line[dash.upperBound...].split(separator: " ")
        guard left.count > 4, right.count >= 3 else { return nil }
        return MountInfo(mountPoint: String(left[4]), type: String(right[0]), source: String(right[1]),
                         superOptions: String(right[2]))
    }
}
