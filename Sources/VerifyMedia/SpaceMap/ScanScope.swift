/// What a scan verifies.
public enum ScanScope: String, Codable, Sendable, CaseIterable {
    /// All allocated space: file data, metadata, log, unknown owners;
    /// not free space and not unwritten (preallocated) extents.
    case allocated
    /// Written file data only (what `xfs_scrub -x` reads); on filesystems
    /// without rmapbt every allocated extent has an unknown owner and is read.
    case data
    /// Whole devices, free space included.
    case device

    func includes(_ record: FsmapRecord) -> Bool {
        switch self {
        case .allocated: !record.isFree && !record.isUnwritten
        case .data: record.isFileData || record.isUnknownOwner
        case .device: true
        }
    }
}
