// Where files and metadata are, as xfs_io prints it (fiemap, fsmap).

/// One mapped extent of a file (holes are left out).
public struct FileExtent: Sendable, Equatable {
    /// Byte offset in the file.
    public let fileOffset: UInt64
    /// Byte offset on the device: the data device, or the realtime device for realtime files.
    public let physical: UInt64
    /// Bytes.
    public let length: UInt64
    /// FIEMAP_EXTENT_* flags.
    public let flags: UInt32

    public var isLast: Bool { flags & 0x1 != 0 }
    /// Preallocated, never written (reads return zeros without touching the disk).
    public var isUnwritten: Bool { flags & 0x800 != 0 }
    /// Shared with another file (reflink).
    public var isShared: Bool { flags & 0x2000 != 0 }

    public init(fileOffset: UInt64, physical: UInt64, length: UInt64, flags: UInt32) {
        self.fileOffset = fileOffset
        self.physical = physical
        self.length = length
        self.flags = flags
    }

    /// Parses `xfs_io -r -c 'fiemap -v' FILE` output; sizes there are 512-byte units.
    ///     EXT: FILE-OFFSET      BLOCK-RANGE      TOTAL FLAGS
    ///       0: [0..127]:        2152..2279         128   0x0
    ///       1: [128..2047]:     hole              1920
    public static func parse(fiemap text: String) -> [FileExtent] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count == 5, f[0].hasSuffix(":"), f[1].hasPrefix("["),
                  let offset = range(f[1].dropFirst().dropLast(2)), let physical = range(f[2]),
                  let total = UInt64(f[3]), let flags = UInt32(f[4].dropFirst(2), radix: 16) else { return nil }
            return FileExtent(fileOffset: offset.start * 512, physical: physical.start * 512,
                              length: total * 512, flags: flags)
        }
    }
}

/// One row of `xfs_io -c 'fsmap'`.
public struct FsmapRow: Sendable, Equatable {
    /// "major:minor" of the device.
    public let device: String
    /// First and last 512-byte unit, both inclusive (as printed: [start..end]).
    public let start: UInt64
    public let end: UInt64
    /// Number of 512-byte units.
    public let length: UInt64
    /// As printed: "inode 131 data 0..16383", "inode 131 attr 0..7", "inodes",
    /// "free space", "static fs metadata", "per-AG metadata", "inode btree",
    /// "refcount btree", "journalling log", ...
    public let owner: String

    /// Byte range on the device, end exclusive.
    public var byteRange: Range<UInt64> { start * 512 ..< (end + 1) * 512 }
    /// The inode number when the owner is a file ("inode N ...").
    public var inode: UInt64? {
        let f = owner.split(separator: " ")
        return f.count >= 2 && f[0] == "inode" ? UInt64(f[1]) : nil
    }

    public init(device: String, start: UInt64, end: UInt64, length: UInt64, owner: String) {
        self.device = device
        self.start = start
        self.end = end
        self.length = length
        self.owner = owner
    }

    /// Parses plain (not -v) `fsmap` output:
    ///     0: 7:0 [0..7]: static fs metadata 8
    ///     8: 7:0 [192..2151]: inode 131 data 0..1959 1960
    public static func parse(fsmap text: String) -> [FsmapRow] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard f.count >= 5, f[0].hasSuffix(":"), f[1].contains(":"), f[2].hasPrefix("["), f[2].hasSuffix("]:"),
                  let r = range(f[2].dropFirst().dropLast(2)), let total = UInt64(f[f.count - 1]) else { return nil }
            return FsmapRow(device: String(f[1]), start: r.start, end: r.end, length: total,
                            owner: f[3..<(f.count - 1)].joined(separator: " "))
        }
    }
}

/// "A..B" -> (A, B)
private func range(_ text: Substring) -> (start: UInt64, end: UInt64)? {
    let parts = text.split(separator: ".", omittingEmptySubsequences: true)
    guard parts.count == 2, let a = UInt64(parts[0]), let b = UInt64(parts[1]) else { return nil }
    return (a, b)
}
