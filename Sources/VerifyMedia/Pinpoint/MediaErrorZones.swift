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

    /// 64 MiB around each failure, read in eighths of the I/O size (at
    /// least 64 KiB, in whole sectors): 256 KiB pieces of 2 MiB chunks.
    static let defaultRadius: UInt64 = 64 << 20

    init(ioSize: Int, sectorSize: Int, radius: UInt64 = MediaErrorZones.defaultRadius) {
        let sector = UInt64(max(512, sectorSize))
        let eighth = UInt64(ioSize) / 8 / sector * sector
        self.radius = radius
        pieceSize = max(eighth, 64 << 10, sector)
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
