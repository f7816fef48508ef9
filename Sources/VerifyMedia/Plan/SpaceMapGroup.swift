extension Lane {
    /// The allocation group (or realtime group) the lane lies in: GETFSMAP
    /// locks a group while it walks that group's btree, so lanes of one
    /// group are mapped one at a time and lanes of different groups side
    /// by side (`ChunkFeeder`). A lane spanning groups counts as its first.
    func spaceMapGroup(_ geometry: FilesystemGeometry) -> Int {
        let groupBytes = switch role {
        case .data: geometry.agBytes
        case .rt: geometry.rtGroupBytes
        case .log: UInt64(0)
        }
        return groupBytes > 0 ? Int(range.start / groupBytes) : 0
    }
}
