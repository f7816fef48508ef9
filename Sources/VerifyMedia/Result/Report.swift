/// The complete outcome of a run, owners included: what every renderer
/// (text, JSON, exit status, history) is made from.
public struct Report: Sendable {
    public var scan: ScanResult
    public var badRanges: [OwnedBadRange]
    /// Problems that left part of the scope unverified (exit bit 4).
    public var errors: [String]
    /// Stopped at its `--max-runtime` or `--window` deadline with the
    /// checkpoint saved: bounded by choice, to be resumed, not a failure.
    public var pausedByChoice = false

    public init(scan: ScanResult, badRanges: [OwnedBadRange], errors: [String]) {
        self.scan = scan
        self.badRanges = badRanges
        self.errors = errors
    }

    var fileOwners: [FileOwner] {
        badRanges.flatMap(\.owners).compactMap { if case .file(let file) = $0 { file } else { nil } }
    }

    /// Distinct files hit (by inode).
    public var filesAffected: Int { Set(fileOwners.map(\.inode)).count }

    /// Bad ranges that hit metadata.
    public var metadataAffected: Int {
        badRanges.filter { range in
            range.owners.contains { if case .metadata = $0 { true } else if case .file(let f) = $0 { f.fork != .data } else { false } }
        }.count
    }

    public var newBadRanges: Int { badRanges.filter { $0.status == .new }.count }

    public var exitStatus: ExitStatus {
        var status: ExitStatus = []
        if !badRanges.isEmpty { status.insert(.mediaErrors) }
        if fileOwners.contains(where: \.isDataLoss) { status.insert(.dataLost) }
        // A pause leaves ranges it did not narrow yet; the resumed scan reads them again.
        let unverified = scan.unverifiedRanges.contains { !pausedByChoice || $0.reason != .interrupted }
        if (!scan.complete && !pausedByChoice) || unverified || !errors.isEmpty || !scan.errors.isEmpty {
            status.insert(.operational)
        }
        if newBadRanges > 0 { status.insert(.newMediaErrors) }
        return status
    }

    public var bytesPerSecond: Double { scan.seconds > 0 ? Double(scan.bytesRead) / scan.seconds : 0 }
}

/// A bad range against the history of earlier scans.
public enum HistoryStatus: String, Sendable {
    /// The last complete scan did not see it.
    case new
    /// The last complete scan saw bad sectors there too.
    case known
}
