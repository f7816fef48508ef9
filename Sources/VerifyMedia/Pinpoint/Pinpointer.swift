/// Narrows a failed read to the exact logical sectors that cannot be read.
///
/// A failed read is read again in pieces (at most `piecesPerLevel`, none
/// smaller than `stepSectors` sectors); pieces that read fine are verified,
/// failing ones are narrowed the same way, and a range of a few sectors is
/// stepped through sector by sector, which costs exactly one failing read
/// per bad sector. Every good byte of the failed read has to be read once
/// more to be verified; beyond that, one bad sector costs about one piece
/// of each level (2 MiB read: 64 KiB + 4 KiB + 4 KiB). When every piece but
/// the last reads fine, the last holds the failure and is narrowed without
/// reading it whole; when errors are dense (every piece of a small range
/// fails), each piece is stepped. Each bad sector is reported to the kernel
/// once: by those sector reads themselves with the kernel engine, by one
/// single-sector report call with the others (`KernelReporter`). Transport
/// errors are first retried with backoff, as they are more about the path
/// to the device than about sectors; what still fails is bisected once more
/// and reported unverified, never bad. Only in-scope parts of a chunk are
/// read, so errors in the gaps between extents are never reported.
///
/// Reads are paced like the engine's. When the scan or the device stops,
/// no further read is made: what was not narrowed yet is left unverified
/// (the ledger accounts for it), and a resumed scan reads it again.
final class Pinpointer {
    private let context: ReadContext
    private let reader: any BlockingReader
    private let buffer: AlignedBuffer
    /// With the kernel engine, sector reads carry XFS_VERIFY_MEDIA_REPORT.
    private let reportingReads: Bool
    private let reporter: KernelReporter?
    /// Ranges of at most this many sectors are stepped through, and no
    /// piece is smaller.
    var stepSectors: UInt64 = 8
    /// Failing ranges up to this size are stepped when errors are dense.
    var denseStepBytes: UInt64 = 64 << 10
    /// A failing range is read again in at most this many pieces: the
    /// failing piece is read twice, so more pieces re-read fewer bytes.
    var piecesPerLevel: UInt64 = 32
    /// Waits before retrying a transport error.
    var transportBackoff: [UInt64] = [100_000_000, 400_000_000, 1_600_000_000]

    /// The job being narrowed, whether a stop cut it short, and the errno
    /// of a device that went away.
    private var chunk: Chunk!
    private var stopped = false
    private var goneError: Errno?

    init(context: ReadContext, reader: any BlockingReader, reportingReads: Bool, reporter: KernelReporter?) {
        self.context = context
        self.reader = reader
        self.reportingReads = reportingReads
        self.reporter = reporter
        buffer = AlignedBuffer(count: context.tuning.ioSize)
    }

    private var sector: UInt64 { UInt64(context.device.logicalSectorSize) }
    private var sink: any ScanSink { context.sink }

    /// Narrows every in-scope part of `job.failed`, then settles the chunk.
    func run(_ job: PinpointJob) {
        chunk = job.chunk
        stopped = context.stop.isRequested
        let parts = job.chunk.scope.map { $0.clamped(to: job.failed) }.filter { !$0.isEmpty }
        let wholeFailed = parts.count == 1 && parts[0] == job.failed
        var partFailed = false
        for part in parts where !stopped {
            if wholeFailed, let error = job.error {
                if !narrow(part, error: error) && !failedForItsNeighbour(job) { sink.flaky(part, error) }
                partFailed = true
            } else {
                partFailed = readAndNarrow(part) || partFailed
            }
        }
        if !partFailed && !parts.isEmpty && !stopped {
            // Every in-scope part read fine on its own. Either the failure is in
            // a gap between extents (out of scope: not ours to report), or it
            // was transient: read the gaps, and only them, to tell.
            var gaps = [job.failed]
            for part in parts { _ = gaps.remove(part) }
            if gaps.allSatisfy({ readsFine($0) }) && !stopped && !failedForItsNeighbour(job) {
                sink.flaky(job.failed, job.error)
            }
        }
        if goneError != nil || context.stop.deviceFailed {
            sink.pinpointed(job.chunk, leftover: .deviceGone, error: goneError ?? .ENODEV)
        } else {
            sink.pinpointed(job.chunk, leftover: .interrupted, error: .ECANCELED)
        }
    }

    /// Whether the job's read, which reads fine now, failed only as part of
    /// one request with adjacent reads of which one still fails (its own
    /// job finds its bad sectors).
    private func failedForItsNeighbour(_ job: PinpointJob) -> Bool {
        guard let zones = context.errorZones else { return false }
        return zones.failedForANeighbour(job.failed) { neighbour in
            let fine = readsFine(neighbour)
            return stopped ? nil : !fine
        }
    }

    /// Reads a range not yet known to fail, in buffer-sized pieces; true
    /// when some of it failed.
    private func readAndNarrow(_ range: ByteRange) -> Bool {
        var failed = false
        var start = range.start
        while start < range.end && !stopped {
            let piece = ByteRange(start, min(range.end, start + UInt64(buffer.count)))
            failed = handle(piece, read(piece, report: false)) || failed
            start = piece.end
        }
        return failed
    }

    /// Whether an out-of-scope range reads without error (nothing is
    /// recorded of it either way).
    private func readsFine(_ range: ByteRange) -> Bool {
        var start = range.start
        while start < range.end && !stopped {
            let piece = ByteRange(start, min(range.end, start + UInt64(buffer.count)))
            guard read(piece, report: false) == .complete else { return false }
            start = piece.end
        }
        return true
    }

    /// Deals with the outcome of reading `range`; true when it failed.
    @discardableResult
    private func handle(_ range: ByteRange, _ outcome: ReadOutcome) -> Bool {
        switch outcome {
        case .complete:
            sink.verified(range, in: chunk)
            return false
        case .partial(let count, let error):
            let split = range.start + UInt64(count)
            sink.verified(ByteRange(range.start, split), in: chunk)
            let rest = ByteRange(split, range.end)
            if !narrow(rest, error: error ?? .EIO) { sink.flaky(rest, error) }
            return true
        case .failed(let error):
            if !narrow(range, error: error) { sink.flaky(range, error) }
            return true
        }
    }

    /// `range` failed with `error`, or holds what failed: find its bad
    /// sectors. False when all of it reads now (the failure was transient:
    /// the caller says flaky for the range that failed).
    @discardableResult
    private func narrow(_ range: ByteRange, error: Errno) -> Bool {
        guard !stopped else { return true }
        switch ErrorClass(error) {
        case .media:
            return narrowMedia(range, error: error)
        case .transport:
            retryTransport(range, error: error)
        case .deviceGone:
            goneError = error
            sink.deviceFailed(error)
            stopped = true
        case .operational:
            sink.problem("\(context.device.path): read of \(range) failed: \(error)")
            sink.unverified(range, error, .operational, in: chunk)
        }
        return true
    }

    private func narrowMedia(_ range: ByteRange, error: Errno) -> Bool {
        let sectors = range.count / sector
        if sectors <= stepSectors { return step(range) }
        let pieceSize = max((sectors + piecesPerLevel - 1) / piecesPerLevel, stepSectors) * sector
        let pieces = stride(from: range.start, to: range.end, by: Int(pieceSize)).map {
            ByteRange($0, min($0 + pieceSize, range.end))
        }
        // nil: not read, as every piece before it read fine.
        var outcomes: [ReadOutcome?] = []
        var anyFailed = false
        for (index, piece) in pieces.enumerated() {
            if index == pieces.count - 1 && !anyFailed {
                outcomes.append(nil)
            } else {
                let outcome = read(piece, report: false)
                if stopped { return true }
                anyFailed = anyFailed || outcome != .complete
                outcomes.append(outcome)
            }
        }
        let dense = outcomes.allSatisfy { $0 != .complete } && range.count <= 2 * denseStepBytes
        var found = false
        for (piece, outcome) in zip(pieces, outcomes) {
            guard let outcome else {
                found = narrowMedia(piece, error: error) || found
                continue
            }
            if dense, case .failed(let pieceError) = outcome, ErrorClass(pieceError) == .media {
                if !step(piece) { sink.flaky(piece, pieceError) }
                found = true
            } else {
                found = handle(piece, outcome) || found
            }
        }
        return found
    }

    /// Reads each sector of a small failing range once, with reporting on;
    /// true when one failed.
    private func step(_ range: ByteRange) -> Bool {
        var anyFailed = false
        var start = range.start
        while start < range.end && !stopped {
            let one = ByteRange(start, start + sector)
            switch read(one, report: reportingReads) {
            case .complete:
                sink.verified(one, in: chunk)
            case .partial(_, let failure):
                anyFailed = true
                classify(one, failure ?? .EIO)
            case .failed(let failure):
                anyFailed = true
                classify(one, failure)
            }
            start += sector
        }
        return anyFailed || stopped
    }

    /// One sector failed with `error`.
    private func classify(_ sectorRange: ByteRange, _ error: Errno) {
        guard !stopped else { return }
        if ErrorClass(error) == .media {
            // A device being removed fails every read with EIO for a while:
            // those are not bad sectors.
            guard context.device.isPresent else {
                narrow(sectorRange, error: .ENODEV)
                return
            }
            let reported = reportingReads || (reporter?.report(sectorRange, buffer: buffer) ?? false)
            sink.bad(sectorRange, error, reportedToKernel: reported, in: chunk)
        } else {
            narrow(sectorRange, error: error)
        }
    }

    private func retryTransport(_ range: ByteRange, error: Errno) {
        for wait in transportBackoff {
            guard pause(wait) else { break }
            let outcome = read(range, report: false)
            if stopped { return }
            if outcome == .complete {
                sink.verified(range, in: chunk)
                sink.flaky(range, error)
                return
            }
            if case .failed(let again) = outcome, ErrorClass(again) == .transport { continue }
            // Now a media error or a partial read: narrow that instead.
            handle(range, outcome)
            return
        }
        isolateTransport(range, error: error)
    }

    /// The range still fails after the retries: bisect it once more, without
    /// waiting, so that only the part that fails is left unverified.
    private func isolateTransport(_ range: ByteRange, error: Errno) {
        let sectors = range.count / sector
        guard sectors > stepSectors, !context.stop.isRequested else {
            sink.unverified(range, error, .transport, in: chunk)
            return
        }
        let middle = range.start + sectors / 2 * sector
        for half in [ByteRange(range.start, middle), ByteRange(middle, range.end)] {
            let outcome = read(half, report: false)
            if stopped { return }
            if case .failed(let again) = outcome, ErrorClass(again) == .transport {
                isolateTransport(half, error: again)
            } else {
                handle(half, outcome)
            }
        }
    }

    /// Waits `nanoseconds`, or less when a stop comes; false then.
    private func pause(_ nanoseconds: UInt64) -> Bool {
        let end = monotonicNanoseconds() + nanoseconds
        while !context.stop.isRequested {
            let now = monotonicNanoseconds()
            if now >= end { return true }
            sleep(nanoseconds: min(end - now, 50_000_000))
        }
        return false
    }

    /// One paced read; once the scan or the device stops, none at all.
    private func read(_ range: ByteRange, report: Bool) -> ReadOutcome {
        guard !stopped, context.pacer.wait(bytes: Int(range.count), unless: context.stop) else {
            stopped = true
            return .failed(.ECANCELED)
        }
        let outcome = reader.read(range, into: buffer, report: report)
        context.pacer.finished()
        sink.reread(chunk, bytes: outcome.bytes(of: range))
        return outcome
    }
}
