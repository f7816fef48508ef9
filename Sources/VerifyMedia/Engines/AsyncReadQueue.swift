import Glibc

/// A device queue that keeps many reads in flight from one thread: the
/// io_uring and libaio engines. Slots index the queue's own buffers.
protocol AsyncReadQueue: AnyObject {
    var depth: Int { get }
    /// Prepares a read of `length` bytes at `offset` into the slot's buffer;
    /// it is submitted by the next `submitAndWait`.
    func prepare(slot: Int, offset: UInt64, length: Int)
    /// Submits what was prepared and waits until at least `minimum` reads
    /// completed or `timeout` passed, calling `completion(slot, result)`
    /// for each completed read: bytes read, or a negative errno.
    func submitAndWait(minimum: Int, timeoutNanoseconds: UInt64?, _ completion: (Int, Int) -> Void) throws(Errno)
}

/// The read loop around an `AsyncReadQueue`: takes chunks from the plan,
/// paces them, keeps the queue full, and reports each completion. A chunk
/// near an earlier media error is read in pieces, each in its own slot, and
/// reported once all of them are back.
struct QueuedReadLoop {
    let context: ReadContext
    let queue: any AsyncReadQueue

    /// One read to submit or in flight: a whole chunk or one of its pieces.
    private struct Read {
        let chunk: Chunk
        let range: ByteRange
        var isWhole: Bool { range == chunk.range }
    }

    func run() {
        let (chunks, pacer, stop, sink) = (context.chunks, context.pacer, context.stop, context.sink)
        var freeSlots = Array((0..<queue.depth).reversed())
        var inflight = [(read: Read, submitted: UInt64)?](repeating: nil, count: queue.depth)
        var inflightCount = 0
        /// Reads taken from the plan and not submitted yet, in order: one
        /// chunk's, or the pieces of up to four chunks near an error (so that
        /// the queue stays full though adjacent pieces wait for each other).
        var waiting: [Read] = []
        let chunksWaitingAtMost = 4
        var pieces = PieceBook()
        /// Every chunk of the plan has been taken.
        var planDone = false

        /// Reports what a read returned: the chunk's outcome, or one piece of it.
        func complete(_ read: Read, _ outcome: ReadOutcome, latency: UInt64) {
            if read.isWhole {
                sink.read(read.chunk, outcome, latencyNanoseconds: latency)
            } else if let all = pieces.add(PieceRead(range: read.range, outcome: outcome, latencyNanoseconds: latency),
                                           of: read.chunk) {
                sink.read(read.chunk, pieces: all)
            }
        }
        /// Reads taken but never submitted: a chunk none of whose reads
        /// went is dropped (the next run reads it), the rest of one that
        /// was partly read ends as `error`.
        func abandonWaiting(_ error: Errno) {
            var chunkStarts: [UInt64] = []
            for read in waiting where chunkStarts.last != read.chunk.range.start { chunkStarts.append(read.chunk.range.start) }
            for start in chunkStarts {
                let reads = waiting.filter { $0.chunk.range.start == start }
                let chunk = reads[0].chunk
                if reads[0].isWhole || pieces.untouched(chunk) {
                    pieces.forget(chunk)
                    sink.dropped(chunk)
                } else {
                    for read in reads { complete(read, .failed(error), latency: 0) }
                }
            }
            waiting = []
        }
        /// The first waiting read that may go now: near errors, never two
        /// adjacent reads in flight, as the block layer would merge them
        /// into one request and one bad sector would fail both.
        func nextReady() -> Int? {
            waiting.firstIndex { read in
                read.isWhole || !inflight.contains { $0?.read.range.touches(read.range) ?? false }
            }
        }

        while true {
            var timeout: UInt64?
            while !freeSlots.isEmpty && !stop.isRequested {
                var ready = nextReady()
                if ready == nil {
                    guard !planDone, waiting.isEmpty || Set(waiting.map(\.chunk.range.start)).count < chunksWaitingAtMost else { break }
                    guard let chunk = inflightCount > 0 || !waiting.isEmpty ? chunks.tryPop() : chunks.pop() else {
                        planDone = chunks.isFinished
                        break
                    }
                    if let ranges = context.errorZones?.pieces(of: chunk) {
                        pieces.expect(ranges.count, of: chunk)
                        waiting += ranges.map { Read(chunk: chunk, range: $0) }
                    } else {
                        waiting.append(Read(chunk: chunk, range: chunk.range))
                    }
                    ready = nextReady()
                }
                guard let index = ready else { break }
                let read = waiting[index]
                let delay = pacer.delay(bytes: Int(read.range.count))
                if delay > 0 {
                    if inflightCount == 0 {
                        sleep(nanoseconds: min(delay, 50_000_000))
                        continue
                    }
                    timeout = delay
                    break
                }
                let slot = freeSlots.removeLast()
                queue.prepare(slot: slot, offset: read.range.start, length: Int(read.range.count))
                inflight[slot] = (read, monotonicNanoseconds())
                inflightCount += 1
                waiting.remove(at: index)
            }
            if inflightCount == 0 {
                if (planDone && waiting.isEmpty) || stop.isRequested {
                    abandonWaiting(.ECANCELED)
                    break
                }
                continue
            }
            // With every slot busy, wake for a quarter of them at once rather
            // than for each read: as many reads, a quarter of the wake-ups.
            let minimum = freeSlots.isEmpty ? max(1, queue.depth / 4) : 1
            do {
                try queue.submitAndWait(minimum: minimum, timeoutNanoseconds: timeout) { slot, result in
                    guard let (read, submitted) = inflight[slot] else { return }
                    if result == -Int(EAGAIN) || result == -Int(EINTR) {
                        // Not a verdict on the sectors: read it again.
                        queue.prepare(slot: slot, offset: read.range.start, length: Int(read.range.count))
                        return
                    }
                    inflight[slot] = nil
                    inflightCount -= 1
                    pacer.finished()
                    freeSlots.append(slot)
                    let completed = monotonicNanoseconds()
                    if result < 0 && read.isWhole {
                        // Before it is narrowed: reads in flight beside it may have failed with it.
                        context.errorZones?.noteFailure(read.range, Errno(Int32(-result)), inFlight: submitted...completed)
                    }
                    let outcome = result < 0
                        ? ReadOutcome.failed(Errno(Int32(-result)))
                        : ReadOutcome(transferred: result, wanted: Int(read.range.count))
                    complete(read, outcome, latency: completed - submitted)
                }
            } catch {
                // The queue itself failed: the device cannot be read this way.
                sink.problem("\(context.device.path): read queue failed: \(error)")
                sink.deviceFailed(error)
                for entry in inflight.compactMap({ $0 }) {
                    pacer.finished()
                    complete(entry.read, .failed(error), latency: 0)
                }
                abandonWaiting(error)
                break
            }
        }
    }
}

/// The pieces of chunks read in pieces, until each chunk's are all back.
struct PieceBook {
    private var chunks: [UInt64: (expected: Int, reads: [PieceRead])] = [:]

    mutating func expect(_ count: Int, of chunk: Chunk) {
        chunks[chunk.range.start] = (count, [])
    }

    /// Whether none of `chunk`'s pieces came back: with none in flight,
    /// none was submitted.
    func untouched(_ chunk: Chunk) -> Bool {
        chunks[chunk.range.start]?.reads.isEmpty ?? true
    }

    mutating func forget(_ chunk: Chunk) {
        chunks[chunk.range.start] = nil
    }

    /// Adds a piece; all of the chunk's pieces, in order, once it was the last.
    mutating func add(_ read: PieceRead, of chunk: Chunk) -> [PieceRead]? {
        guard var entry = chunks[chunk.range.start] else { return nil }
        entry.reads.append(read)
        guard entry.reads.count == entry.expected else {
            chunks[chunk.range.start] = entry
            return nil
        }
        chunks[chunk.range.start] = nil
        return entry.reads.sorted { $0.range.start < $1.range.start }
    }
}
