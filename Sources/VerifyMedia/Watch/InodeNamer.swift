/// Names the inodes health events speak of by number and generation, with
/// the owners stage's own lookup (bulkstat, then parent pointers or one
/// directory walk for all inodes of a batch of events). A name is given
/// only when the inode still has the generation of the event: a reused
/// inode number must not blame another file. Names are remembered, since a
/// damaged file tends to come back event after event.
final class InodeNamer {
    struct Key: Hashable {
        let inode: UInt64
        let generation: UInt32
    }

    private var known: [Key: RawPath?] = [:]
    private let cacheLimit = 4096

    /// The first name of each inode of `keys` that has one; nil for those
    /// without (unlinked, reused, or not found).
    func names(for keys: Set<Key>, filesystem: MountedFilesystem) -> [Key: RawPath] {
        let missing = keys.filter { known[$0] == nil }
        if !missing.isEmpty {
            if known.count + missing.count > cacheLimit { known.removeAll() }
            var statuses: [UInt64: InodeStatus] = [:]
            var current = Set<Key>()
            for key in missing {
                if let status = try? InodeStatus.read(key.inode, filesystem: filesystem), status.generation == key.generation {
                    statuses[key.inode] = status
                    current.insert(key)
                }
            }
            let paths = PathResolver(filesystem: filesystem).paths(for: statuses, unreadable: [])
            for key in missing {
                known[key] = .some(current.contains(key) ? paths[key.inode]?.min { $0.bytes.lexicographicallyPrecedes($1.bytes) } : nil)
            }
        }
        var result: [Key: RawPath] = [:]
        for key in keys {
            if case .some(.some(let name)) = known[key] { result[key] = name }
        }
        return result
    }

    /// Forgets a name (the file was renamed or restored).
    func forget(_ key: Key) { known[key] = nil }
}
