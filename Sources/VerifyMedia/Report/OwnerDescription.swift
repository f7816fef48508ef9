extension TextReport {
    /// Who a bad range hit, a short phrase per owner, escaped as the text
    /// report escapes names: "/srv/data/a (data offset 16384)", "inodes,
    /// AG 0", "free space". What the history keeps and `history` shows.
    public static func ownerDescriptions(_ owned: OwnedBadRange, mountPoint: String) -> [String] {
        owned.owners.flatMap { owner -> [String] in
            switch owner {
            case .file(let file):
                let names = file.paths.isEmpty ? ["\(TextEscaping.escape(mountPoint)) inode \(file.inode)"]
                                               : file.paths.map { TextEscaping.escape($0.bytes) }
                let part: String = switch file.fork {
                case .data where file.unwritten: "unwritten extent"
                case .data: "data offset \(file.fileOffset ?? 0)"
                case .attr: "extended attributes"
                case .bmbt: "extent map"
                case .inode: "its inode"
                }
                return names.map { "\($0) (\(part))" }
            case .metadata(let kind, let group):
                return [MetadataKind.description(of: kind) + (group.map { ", \($0.kind == .ag ? "AG" : "rtgroup") \($0.number)" } ?? "")]
            case .free: return ["free space"]
            case .unknown: return ["owner unknown"]
            }
        }
    }
}
