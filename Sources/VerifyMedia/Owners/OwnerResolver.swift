/// The owners stage: who was hit by each bad range, with generations and
/// paths for files. Runs after the scan, and only when something is bad.
public struct OwnerResolver {
    public let filesystem: MountedFilesystem

    public init(filesystem: MountedFilesystem) { self.filesystem = filesystem }

    /// Returns the bad ranges with owners, and problems met on the way.
    public func resolve(_ badRanges: [BadRange]) -> (ranges: [OwnedBadRange], errors: [String]) {
        guard !badRanges.isEmpty else { return ([], []) }
        var errors: [String] = []
        let lookup = OwnerLookup(filesystem: filesystem)
        var ranges = badRanges.map { bad -> OwnedBadRange in
            do {
                return OwnedBadRange(bad: bad, owners: try lookup.owners(of: bad))
            } catch {
                errors.append("cannot look up the owners of \(bad.device) \(bad.range) with GETFSMAP: \(error)")
                return OwnedBadRange(bad: bad, owners: [.unknown])
            }
        }
        var statuses: [UInt64: InodeStatus] = [:]
        for case .file(let file) in ranges.flatMap(\.owners) where statuses[file.inode] == nil {
            do {
                if let status = try InodeStatus.read(file.inode, filesystem: filesystem) { statuses[file.inode] = status }
            } catch {
                errors.append("cannot bulkstat inode \(file.inode): \(error)")
            }
        }
        let paths = PathResolver(filesystem: filesystem).paths(for: statuses)
        for index in ranges.indices {
            ranges[index].owners = ranges[index].owners.map { owner in
                guard case .file(var file) = owner else { return owner }
                if let status = statuses[file.inode] {
                    file.generation = status.generation
                    file.unlinked = status.links == 0
                    file.paths = paths[file.inode] ?? []
                }
                return .file(file)
            }
        }
        return (ranges, errors)
    }
}
