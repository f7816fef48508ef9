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
/// paces them, keeps the queue full, and reports each completion.
struct QueuedReadLoop {
    let context: ReadContext
    let queue: any AsyncReadQueue

    func run() {
        let (chunks, pacer, stop, sink) = (context.chunks, context.pacer, context.stop, context.sink)
        var freeSlots = Array((0..<queue.depth).reversed())
        var inflight = [(chunk: Chunk, submitted: UInt64)?](repeating: nil, count: queue.depth)
        var inflightCount = 0
        var waiting: Chunk?
        var finished = false
        while true {
            var timeout: UInt64?
            while !freeSlots.isEmpty && !stop.isRequested && !finished {
                if waiting == nil {
                    waiting = inflightCount > 0 ? chunks.tryPop() : chunks.pop()
                    if waiting == nil {
                        finished = inflightCount == 0 || chunks.isFinished
                        break
                    }
                }
                guard let chunk = waiting else { break }
                let delay = pacer.delay(bytes: chunk.length)
                if delay > 0 {
                    if inflightCount == 0 {
                        sleep(nanoseconds: min(delay, 50_000_000))
                        continue
                    }
                    timeout = delay
                    break
                }
                let slot = freeSlots.removeLast()
                queue.prepare(slot: slot, offset: chunk.range.start, length: chunk.length)
                inflight[slot] = (chunk, monotonicNanoseconds())
                inflightCount += 1
                waiting = nil
            }
            if inflightCount == 0 {
                if finished || stop.isRequested {
                    if let waiting { sink.dropped(waiting) }
                    break
                }
                continue
            }
            do {
                try queue.submitAndWait(minimum: 1, timeoutNanoseconds: timeout) { slot, result in
                    guard let (chunk, submitted) = inflight[slot] else { return }
                    if result == -Int(EAGAIN) || result == -Int(EINTR) {
                        // Not a verdict on the sectors: read it again.
                        queue.prepare(slot: slot, offset: chunk.range.start, length: chunk.length)
                        return
                    }
                    inflight[slot] = nil
                    inflightCount -= 1
                    pacer.finished()
                    freeSlots.append(slot)
                    let outcome = result < 0
                        ? ReadOutcome.failed(Errno(Int32(-result)))
                        : ReadOutcome(transferred: result, wanted: chunk.length)
                    sink.read(chunk, outcome, latencyNanoseconds: monotonicNanoseconds() - submitted)
                }
            } catch {
                // The queue itself failed: the device cannot be read this way.
                sink.problem("\(context.device.path): read queue failed: \(error)")
                sink.deviceFailed(error)
                for entry in inflight.compactMap({ $0 }) {
                    pacer.finished()
                    sink.read(entry.chunk, .failed(error), latencyNanoseconds: 0)
                }
                if let waiting { sink.dropped(waiting) }
                break
            }
        }
    }
}
