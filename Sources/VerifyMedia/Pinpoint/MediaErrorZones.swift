import Synchronization

/// Where a device has shown media errors, so that reads near them are made
/// smaller.
///
/// A failed read verifies none of its bytes: a bad sector found by a 2 MiB
/// read costs those 2 MiB read again to narrow it, whatever the narrowing
/// does. And bad sectors come in clusters (a scratch across tracks, a weak
/// head, a worn flash block). So once a read of the device has failed with
/// a media error, chunks within `radius` of it are read in pieces of
/// `pieceSize`, and the next bad sector there costs a piece, not a chunk.
/// Elsewhere reads keep the scan's I/O size.
final class MediaErrorZones: Sendable {
    let radius: UInt64
    let pieceSize: UInt64
    /// Sorted, disjoint ranges: each failed read widened by `radius`.
    private let zones = Mutex<[ByteRange]>([])
    /// Whether any read failed yet: the common case costs one atomic load.
    private let any = Atomic<Bool>(false)
    /// The latest whole reads that failed (`noteFailure`), and which of
    /// them were found to fail still, or to read fine. Reads one request
    /// failed fail within microseconds of each other: a window will do.
    private let failures = Mutex<[FailedRead]>([])
    private let stillFailing = Mutex<[ByteRange: Bool]>([:])
    static let failuresKept = 1024

    /// 64 MiB around each failure, read in eighths of the I/O size (at
    /// least 256 KiB, in whole sectors): 256 KiB pieces of 2 MiB chunks.
    /// Smaller pieces would save bytes but cost reads: with 64 KiB pieces
    /// of 512 KiB chunks, the pinpoint bench's fault disk served 27 500
    /// reads instead of 10 500 for 1 % fewer bytes, and took longer.
    static let defaultRadius: UInt64 = 64 << 20

    /// The device's largest request, if known (`BlockDevice.maxRequestBytes`).
    let maxRequest: UInt64?

    init(ioSize: Int, sectorSize: Int, maxRequest: UInt64? = nil, radius: UInt64 = MediaErrorZones.defaultRadius) {
        let sector = UInt64(max(512, sectorSize))
        let eighth = UInt64(ioSize) / 8 / sector * sector
        self.maxRequest = maxRequest.flatMap { $0 > 0 ? $0 : nil }
        self.radius = radius
        pieceSize = max(eighth, 256 << 10, sector)
    }

    /// A read of `range` failed with a media error.
    func note(_ range: ByteRange) {
        let zone = ByteRange(range.start > radius ? range.start - radius : 0, range.end > .max - radius ? .max : range.end + radius)
        zones.withLock { zones in
            var merged: [ByteRange] = []
            var inserted = false
            for existing in zones {
                if !inserted && zone.start < existing.start {
                    merged.appendCoalescing(zone)
                    inserted = true
                }
                merged.appendCoalescing(existing)
            }
            if !inserted { merged.appendCoalescing(zone) }
            zones = merged
        }
        any.store(true, ordering: .releasing)
    }

    /// A whole read (not a piece) failed with `error`; it was in flight
    /// during `inFlight` (monotonic nanoseconds). Noted before it is narrowed.
    func noteFailure(_ range: ByteRange, _ error: Errno, inFlight: ClosedRange<UInt64>) {
        failures.withLock { failures in
            if failures.count == MediaErrorZones.failuresKept { failures.removeFirst(failures.count / 2) }
            failures.append(FailedRead(range: range, error: error, inFlight: inFlight))
        }
    }

    /// Whether `range`, which failed and reads fine now, failed as part of
    /// one request with a read that still fails.
    ///
    /// The block layer merges adjacent reads in flight together into one
    /// request (a 512 KiB read into huge pages merges with its neighbours),
    /// and a bad sector fails the whole request. So the reads that touch
    /// `range`, one after the other, failed with the same errno, were in
    /// flight at the same time as it and could share a request with their
    /// neighbour are read once more (nearest first, by `stillFails`, nil if
    /// the scan stopped) until one fails. What each read showed is kept for
    /// the others.
    func failedForANeighbour(_ range: ByteRange, stillFails: (ByteRange) -> Bool?) -> Bool {
        guard any.load(ordering: .acquiring) else { return false }
        stillFailing.withLock { $0[range] = false }
        let distance = { (other: ByteRange) in other.start > range.start ? other.start - range.start : range.start - other.start }
        for other in failures.withLock({ mergeable(with: range, in: $0) }).sorted(by: { distance($0) < distance($1) }) {
            let known = stillFailing.withLock { $0[other] }
            guard let fails = known ?? stillFails(other) else { return false }
            if known == nil { stillFailing.withLock { $0[other] = fails } }
            if fails { return true }
        }
        return false
    }

    /// The failed reads that one request may have joined to `range`'s:
    /// chains of touching reads, failed alike, in flight together.
    private func mergeable(with range: ByteRange, in failures: [FailedRead]) -> [ByteRange] {
        guard let failure = failures.last(where: { $0.range == range }) else { return [] }
        var found = [failure]
        var next = 0
        while next < found.count {
            let member = found[next]
            next += 1
            for other in failures where other.error == member.error && other.range.touches(member.range)
                && other.inFlight.overlaps(member.inFlight) && couldShareRequest(member.range, other.range)
                && !found.contains(where: { $0.range == other.range }) {
                found.append(other)
            }
        }
        return found.dropFirst().map(\.range)
    }

    /// Whether two adjacent reads can end up in one request: the block
    /// layer cuts each into requests of at most `maxRequest` bytes from its
    /// start, and only the last piece of the first and the first of the
    /// second can merge. (2 MiB reads on a device taking 1280 KiB cannot:
    /// 768 KiB and 1280 KiB; 512 KiB reads can.)
    private func couldShareRequest(_ one: ByteRange, _ other: ByteRange) -> Bool {
        guard let maxRequest else { return true }
        let (first, second) = one.start < other.start ? (one, other) : (other, one)
        let tail = first.count % maxRequest == 0 ? min(first.count, maxRequest) : first.count % maxRequest
        return tail + min(second.count, maxRequest) <= maxRequest
    }

    /// The ranges to read `chunk` in, in physical order, when it lies near a
    /// failure and would be more than one piece; nil to read it whole.
    func pieces(of chunk: Chunk) -> [ByteRange]? {
        guard any.load(ordering: .acquiring), chunk.range.count > pieceSize else { return nil }
        let near = zones.withLock { zones in zones.contains { $0.overlaps(chunk.range) } }
        guard near else { return nil }
        let pieces = chunk.pieces(every: pieceSize)
        return pieces.count > 1 ? pieces : nil
    }
}

extension Chunk {
    /// The chunk cut at multiples of `size`, each cut trimmed to the span
    /// of its in-scope bytes; cuts with nothing in scope are left out.
    func pieces(every size: UInt64) -> [ByteRange] {
        var pieces: [ByteRange] = []
        for part in scope {
            var start = part.start
            while start < part.end {
                let end = min(part.end, (start / size + 1) * size)
                if let last = pieces.last, last.start / size == start / size {
                    pieces[pieces.count - 1].end = end
                } else {
                    pieces.append(ByteRange(start, end))
                }
                start = end
            }
        }
        return pieces
    }
}

/// One piece of a chunk read in pieces (`MediaErrorZones`), and how it went.
struct PieceRead {
    let range: ByteRange
    let outcome: ReadOutcome
    let latencyNanoseconds: UInt64
}

/// A whole read that failed, and when it was in flight.
private struct FailedRead {
    let range: ByteRange
    let error: Errno
    let inFlight: ClosedRange<UInt64>
}
