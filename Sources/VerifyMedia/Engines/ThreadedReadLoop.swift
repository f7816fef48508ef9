/// Reads with a blocking reader from several dedicated threads, one read
/// in flight per thread: the `sync` (pread) engine, and the kernel engine,
/// where each XFS_IOC_VERIFY_MEDIA call reads its range one bio at a time.
struct ThreadedReadLoop {
    let scan: DeviceScan
    let threads: Int
    let bufferSize: Int
    let makeReader: @Sendable () throws(Errno) -> any BlockingReader

    func run() {
        let workers = (0..<threads).map { index in
            DedicatedThread.start(name: "read-\(scan.device.role)-\(index)") { [scan, bufferSize, makeReader] in
                if scan.tuning.idlePriority { IOPriority.setIdleForCurrentThread() }
                let reader: any BlockingReader
                do throws(Errno) {
                    reader = try makeReader()
                } catch {
                    scan.findings.recordError("\(scan.device.path): cannot start reader: \(error)")
                    scan.deviceFailed(error)
                    return
                }
                let buffer = AlignedBuffer(count: bufferSize)
                while !scan.shouldStop, let chunk = scan.chunks.pop() {
                    scan.waitForPacing(bytes: chunk.length)
                    scan.inflight.add(1, ordering: .relaxed)
                    let started = monotonicNanoseconds()
                    let outcome = reader.read(chunk.range, into: buffer, report: false)
                    scan.inflight.subtract(1, ordering: .relaxed)
                    scan.finished(chunk, outcome, latencyNanoseconds: monotonicNanoseconds() - started)
                }
            }
        }
        workers.forEach { $0.join() }
    }
}
