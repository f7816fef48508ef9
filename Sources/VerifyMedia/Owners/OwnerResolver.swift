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
        // Without rmapbt GETFSMAP knows no owners, and it does not reach the
        // last groups of a zoned rt device with gaps: ask the files' extent maps.
        let unknown = ranges.indices.filter {
            ranges[$0].owners.contains(.unknown) && (!filesystem.geometry.hasRmapbt || !filesystem.spaceMapReaches(ranges[$0].bad))
        }
        if !unknown.isEmpty {
            let files = ExtentMapOwners(filesystem: filesystem).owners(of: unknown.map { ranges[$0].bad })
            for (position, index) in unknown.enumerated() {
                guard let owners = files[position], !owners.isEmpty else { continue }
                let covered = owners.reduce(0) { $0 + $1.length }
                ranges[index].owners = owners.map(Owner.file) + (covered < ranges[index].bad.range.count ? [.unknown] : [])
            }
        }
        // Inodes in use in bad sectors of inode chunks: their files are named too.
        let chunks = InodeChunkOwners(filesystem: filesystem)
        for index in ranges.indices where ranges[index].bad.device == .data && ranges[index].owners.contains(where: {
            if case .metadata("inodes", _) = $0 { true } else { false }
        }) {
            do throws(Errno) {
                ranges[index].owners += try chunks.inodes(in: ranges[index].bad.range).map { inode, bytes in
                    .file(FileOwner(inode: inode, generation: nil, fork: .inode, fileOffset: nil, length: bytes,
                                    unwritten: false, paths: [], unlinked: false))
                }
            } catch {
                errors.append("cannot tell the inodes in use in \(ranges[index].bad.device) \(ranges[index].bad.range): \(error)")
            }
        }
        var statuses: [UInt64: InodeStatus] = [:]
        var unreadable: Set<UInt64> = []
        for case .file(let file) in ranges.flatMap(\.owners) where statuses[file.inode] == nil && !unreadable.contains(file.inode) {
            do throws(Errno) {
                if let status = try InodeStatus.read(file.inode, filesystem: filesystem) { statuses[file.inode] = status }
            } catch let error where InodeStatus.unreadableErrors.contains(error) {
                // Said with the owner, not as an error: no part of the scope went unverified.
                unreadable.insert(file.inode)
            } catch {
                errors.append("cannot bulkstat inode \(file.inode): \(error)")
            }
        }
        let named = Set(ranges.flatMap(\.owners).compactMap { owner -> UInt64? in
            if case .file(let file) = owner, !file.paths.isEmpty { file.inode } else { nil }
        })
        let paths = PathResolver(filesystem: filesystem).paths(for: statuses.filter { !named.contains($0.key) },
                                                               unreadable: unreadable.subtracting(named))
        for index in ranges.indices {
            // An allocated inode of a bad chunk sector is a file's only if
            // bulkstat knows it or a directory names it: the others are the
            // filesystem's own (rt bitmap and summary, quotas, metadata
            // directory), already reported as "inodes".
            ranges[index].owners.removeAll { owner in
                guard case .file(let file) = owner, file.fork == .inode else { return false }
                return statuses[file.inode] == nil && paths[file.inode, default: []].isEmpty
            }
            ranges[index].owners = ranges[index].owners.map { owner in
                guard case .file(var file) = owner else { return owner }
                if let status = statuses[file.inode] {
                    file.generation = status.generation
                    file.unlinked = status.links == 0
                } else if unreadable.contains(file.inode) {
                    file.generation = nil
                    file.inodeUnreadable = true
                }
                if file.paths.isEmpty { file.paths = paths[file.inode] ?? [] }
                return .file(file)
            }
        }
        return (ranges, errors)
    }
}
