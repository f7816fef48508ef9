/// Reads with a blocking reader from several dedicated threads, one read
/// in flight per thread: the `sync` (pread) engine, and the kernel engine,
/// where each XFS_IOC_VERIFY_MEDIA call reads its range one bio at a time.
struct ThreadedReadLoop {
    let context: ReadContext
    let threads: Int
    let makeReader: @Sendable () throws(Errno) -> any BlockingReader

    func run() {
        let workers = (0..<threads).map { index in
            DedicatedThread.start(name: "read-\(context.device.role)-\(index)") { [context, makeReader] in
                if context.tuning.idlePriority { IOPriority.setIdleForCurrentThread() }
                let reader: any BlockingReader
                do throws(Errno) {
                    reader = try makeReader()
                } catch {
                    context.sink.problem("\(context.device.path): cannot start reader: \(error)")
                    context.sink.deviceFailed(error)
                    return
                }
                let buffer = AlignedBuffer(count: context.tuning.ioSize)
                while !context.stop.isRequested, let chunk = context.chunks.pop() {
                    if let pieces = context.errorZones?.pieces(of: chunk) {
                        guard let reads = read(pieces, with: reader, into: buffer) else {
                            context.sink.dropped(chunk)
                            break
                        }
                        context.sink.read(chunk, pieces: reads)
                        continue
                    }
                    guard context.pacer.wait(bytes: chunk.length, unless: context.stop) else {
                        context.sink.dropped(chunk)
                        break
                    }
                    let started = monotonicNanoseconds()
                    let outcome = reader.read(chunk.range, into: buffer, report: false)
                    context.pacer.finished()
                    let completed = monotonicNanoseconds()
                    if case .failed(let error) = outcome {
                        // An I/O scheduler merges other threads' adjacent reads too.
                        context.errorZones?.noteFailure(chunk.range, error, inFlight: started...completed)
                    }
                    context.sink.read(chunk, outcome, latencyNanoseconds: completed - started)
                }
            }
        }
        workers.forEach { $0.join() }
    }

    /// Reads a chunk's pieces one after the other; nil when a stop came
    /// before the first. A stop after it leaves the rest unread (ECANCELED),
    /// for the pinpointer to leave unverified and the next run to read.
    private func read(_ pieces: [ByteRange], with reader: any BlockingReader, into buffer: AlignedBuffer) -> [PieceRead]? {
        var reads: [PieceRead] = []
        for piece in pieces {
            guard context.pacer.wait(bytes: Int(piece.count), unless: context.stop) else {
                if reads.isEmpty { return nil }
                reads.append(PieceRead(range: piece, outcome: .failed(.ECANCELED), latencyNanoseconds: 0))
                continue
            }
            let started = monotonicNanoseconds()
            let outcome = reader.read(piece, into: buffer, report: false)
            context.pacer.finished()
            reads.append(PieceRead(range: piece, outcome: outcome, latencyNanoseconds: monotonicNanoseconds() - started))
        }
        return reads
    }
}
