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
                    guard context.pacer.wait(bytes: chunk.length, unless: context.stop) else {
                        context.sink.dropped(chunk)
                        break
                    }
                    let started = monotonicNanoseconds()
                    let outcome = reader.read(chunk.range, into: buffer, report: false)
                    context.pacer.finished()
                    context.sink.read(chunk, outcome, latencyNanoseconds: monotonicNanoseconds() - started)
                }
            }
        }
        workers.forEach { $0.join() }
    }
}
