import Glibc

/// Memory aligned for O_DIRECT (page size, which covers every logical
/// sector size), owned by one reader at a time.
final class AlignedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let count: Int

    init(count: Int, alignment: Int = Int(sysconf(Int32(_SC_PAGESIZE)))) {
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, alignment, max(count, alignment))
        guard status == 0, let raw else { fatalError("posix_memalign(\(count)) failed: \(Errno(status))") }
        pointer = raw
        self.count = count
    }

    deinit { free(pointer) }
}
