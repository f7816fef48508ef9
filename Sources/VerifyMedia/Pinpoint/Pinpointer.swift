/// Narrows a failed read to the exact logical sectors that cannot be read.
///
/// Sparse errors are found by narrowing: a failed read is read again in
/// pieces of 128 KiB, pieces that read fine are verified, failing ones are
/// halved, and halved again. When a range is down to a few sectors, or both
/// halves fail (errors are dense there), it is stepped through sector by
/// sector, which costs exactly one failing read per bad sector. Only those sector reads
/// ask the kernel engine to report, so the health monitor hears of each
/// bad sector once. Transport errors are first retried with backoff, as
/// they are more about the path to the device than about sectors; what
/// still fails is bisected once more and reported unverified, never bad.
/// Only in-scope parts of a chunk are read, so errors in the gaps between
/// extents are never reported.
struct Pinpointer {
    let scan: DeviceScan
    let reader: any BlockingReader
    let buffer: AlignedBuffer
    /// Ranges of at most this many sectors are stepped through.
    var stepSectors: UInt64 = 8
    /// Failing ranges up to this size are stepped when errors are dense.
    var denseStepBytes: UInt64 = 64 << 10
    /// A failed read larger than this is re-read in pieces of this size.
    var splitBytes: UInt64 = 128 << 10
    /// Waits before retrying a transport error.
    var transportBackoff: [UInt64] = [100_000_000, 400_000_000, 1_600_000_000]

    private var sector: UInt64 { UInt64(scan.device.logicalSectorSize) }
    private var role: DeviceRole { scan.device.role }

    /// Narrows every in-scope part of `job.failed`, then marks the chunk done.
    func run(_ job: PinpointJob) {
        var bytesRead: UInt64 = UInt64(job.chunk.length) - job.failed.count
        let parts = job.chunk.scope.map { $0.clamped(to: job.failed) }.filter { !$0.isEmpty }
        let wholeFailed = parts.count == 1 && parts[0] == job.failed
        var partFailed = false
        for part in parts {
            if scan.deviceStopped.load(ordering: .relaxed) {
                giveUp(part, error: .ENODEV, reason: "device gone")
                continue
            }
            if wholeFailed, let error = job.error {
                narrow(part, error: error, bytesRead: &bytesRead)
                partFailed = true
            } else {
                partFailed = readAndNarrow(part, bytesRead: &bytesRead) || partFailed
            }
        }
        if !partFailed && !parts.isEmpty && !scan.deviceStopped.load(ordering: .relaxed) {
            // Every in-scope part read fine on its own. Either the failure is
            // in a gap between extents (out of scope: not ours to report), or
            // it was transient: read the whole range once more to tell.
            if read(job.failed, report: false, bytesRead: &bytesRead) == .complete {
                scan.findings.recordFlaky(role, job.failed, job.error)
            }
        }
        scan.tracker.completed(job.chunk, bytesRead: bytesRead)
    }

    /// Reads a range not yet known to fail, in buffer-sized pieces; true
    /// when some of it failed.
    private func readAndNarrow(_ range: ByteRange, bytesRead: inout UInt64) -> Bool {
        var failed = false
        var start = range.start
        while start < range.end {
            let piece = ByteRange(start, min(range.end, start + UInt64(buffer.count)))
            failed = !handle(piece, read(piece, report: false, bytesRead: &bytesRead), bytesRead: &bytesRead) || failed
            start = piece.end
        }
        return failed
    }

    /// Deals with the outcome of reading `range`; returns true when it read fine.
    @discardableResult
    private func handle(_ range: ByteRange, _ outcome: ReadOutcome, bytesRead: inout UInt64) -> Bool {
        switch outcome {
        case .complete:
            scan.verified([range])
            return true
        case .partial(let count, let error):
            let split = range.start + UInt64(count)
            scan.verified([ByteRange(range.start, split)])
            narrow(ByteRange(split, range.end), error: error ?? .EIO, bytesRead: &bytesRead)
            return false
        case .failed(let error):
            narrow(range, error: error, bytesRead: &bytesRead)
            return false
        }
    }

    /// `range` failed with `error`: find its bad sectors.
    private func narrow(_ range: ByteRange, error: Errno, bytesRead: inout UInt64) {
        switch ErrorClass(error) {
        case .media:
            break
        case .transport:
            retryTransport(range, error: error, bytesRead: &bytesRead)
            return
        case .deviceGone:
            scan.deviceFailed(error)
            giveUp(range, error: error, reason: "device gone")
            return
        case .operational:
            scan.findings.recordError("\(scan.device.path): read of \(range) failed: \(error)")
            giveUp(range, error: error, reason: "operational")
            return
        }
        let sectors = range.count / sector
        if sectors <= stepSectors {
            step(range, error: error, bytesRead: &bytesRead)
            return
        }
        // A whole read failed: read it again in pieces to find where, then
        // halve the pieces that fail. Pieces of `splitBytes` first, so that
        // finding one bad sector in a large read re-reads the read about
        // once instead of twice.
        let pieceSize = range.count > splitBytes ? splitBytes : sectors / 2 * sector
        let pieces = stride(from: range.start, to: range.end, by: Int(pieceSize)).map {
            ByteRange($0, min($0 + pieceSize, range.end))
        }
        let outcomes = pieces.map { read($0, report: false, bytesRead: &bytesRead) }
        if outcomes.allSatisfy({ $0 == .complete }) {
            // It failed before and reads now: flaky, not bad.
            pieces.forEach { scan.verified([$0]) }
            scan.findings.recordFlaky(role, range, error)
            return
        }
        let dense = outcomes.allSatisfy { $0 != .complete } && range.count <= 2 * denseStepBytes
        for (piece, outcome) in zip(pieces, outcomes) {
            if dense, case .failed(let pieceError) = outcome, ErrorClass(pieceError) == .media {
                step(piece, error: pieceError, bytesRead: &bytesRead)
            } else {
                handle(piece, outcome, bytesRead: &bytesRead)
            }
        }
    }

    /// Reads each sector of a small failing range once, with reporting on.
    private func step(_ range: ByteRange, error: Errno, bytesRead: inout UInt64) {
        var anyFailed = false
        var start = range.start
        while start < range.end {
            let one = ByteRange(start, start + sector)
            switch read(one, report: true, bytesRead: &bytesRead) {
            case .complete:
                scan.verified([one])
            case .partial(_, let failure):
                anyFailed = true
                classify(one, failure ?? .EIO, bytesRead: &bytesRead)
            case .failed(let failure):
                anyFailed = true
                classify(one, failure, bytesRead: &bytesRead)
            }
            start += sector
        }
        if !anyFailed { scan.findings.recordFlaky(role, range, error) }
    }

    /// One sector failed with `error`.
    private func classify(_ sectorRange: ByteRange, _ error: Errno, bytesRead: inout UInt64) {
        if ErrorClass(error) == .media {
            scan.findings.recordBad(role, sectorRange, error)
            scan.handled(sectorRange)
        } else {
            narrow(sectorRange, error: error, bytesRead: &bytesRead)
        }
    }

    private func retryTransport(_ range: ByteRange, error: Errno, bytesRead: inout UInt64) {
        for wait in transportBackoff {
            if scan.shouldStop { break }
            sleep(nanoseconds: wait)
            let outcome = read(range, report: false, bytesRead: &bytesRead)
            if outcome == .complete {
                scan.verified([range])
                scan.findings.recordFlaky(role, range, error)
                return
            }
            if case .failed(let again) = outcome, ErrorClass(again) == .transport { continue }
            // Now a media error or a partial read: narrow that instead.
            handle(range, outcome, bytesRead: &bytesRead)
            return
        }
        isolateTransport(range, error: error, bytesRead: &bytesRead)
    }

    /// The range still fails after the retries: bisect it once more, without
    /// waiting, so that only the part that fails is left unverified.
    private func isolateTransport(_ range: ByteRange, error: Errno, bytesRead: inout UInt64) {
        let sectors = range.count / sector
        guard sectors > stepSectors, !scan.shouldStop else {
            giveUp(range, error: error, reason: "transport")
            return
        }
        let middle = range.start + sectors / 2 * sector
        for half in [ByteRange(range.start, middle), ByteRange(middle, range.end)] {
            let outcome = read(half, report: false, bytesRead: &bytesRead)
            if case .failed(let again) = outcome, ErrorClass(again) == .transport {
                isolateTransport(half, error: again, bytesRead: &bytesRead)
            } else {
                handle(half, outcome, bytesRead: &bytesRead)
            }
        }
    }

    private func giveUp(_ range: ByteRange, error: Errno, reason: String) {
        scan.findings.recordUnverified(role, range, error, reason: reason)
        scan.handled(range)
    }

    private func read(_ range: ByteRange, report: Bool, bytesRead: inout UInt64) -> ReadOutcome {
        scan.waitForPacing(bytes: Int(range.count))
        let outcome = reader.read(range, into: buffer, report: report)
        let transferred: UInt64 = switch outcome {
        case .complete: range.count
        case .partial(let count, _): UInt64(count)
        case .failed: 0
        }
        bytesRead += transferred
        scan.counters.bytesRead.add(transferred, ordering: .relaxed)
        return outcome
    }
}
