// Small POSIX I/O helpers: whole-file reads that do not trust st_size (the
// fault disk's control file reports 0), and O_DIRECT reads for probing faults.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// O_DIRECT, which the Glibc module does not export (it is a GNU extension).
#if arch(arm64) || arch(arm)
public let openDirectFlag: Int32 = 0o200000
#else
public let openDirectFlag: Int32 = 0o40000
#endif

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
    var done = 0
    while done < bytes.count {
        let n = bytes[done...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw TestBedError("write \(path): \(errnoText())")
        }
        done += n
    }
}

func readToEnd(_ fd: Int32, path: String) throws -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw TestBedError("read \(path): \(errnoText())")
        }
        if n == 0 { return result }
        result.append(contentsOf: chunk[..<n])
    }
}

/// Every byte of `path`, read until EOF.
public func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TestBedError("open \(path): \(errnoText())") }
    defer { close(fd) }
    return try readToEnd(fd, path: path)
}

/// Writes `text` to an existing file in one write(2) (the fault disk's control file wants that).
public func writeToFile(_ path: String, _ text: String) throws {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw TestBedError("open \(path): \(errnoText())") }
    defer { close(fd) }
    try writeAll(fd, Array(text.utf8), path: path)
}

/// The outcome of one O_DIRECT read.
public struct DirectReadResult: Sendable, CustomStringConvertible {
    /// 0 on success, else the errno of the failed pread.
    public let errno: Int32
    public let bytesRead: Int
    public let elapsed: Duration
    public let data: [UInt8]
    public var succeeded: Bool { errno == 0 }
    public var description: String {
        errno == 0 ? "read \(bytesRead) bytes in \(elapsed)" : "failed with \(errnoText(errno)) after \(elapsed)"
    }
}

/// One O_DIRECT pread of `length` bytes at `offset` of `path` into a
/// page-aligned buffer. Throws only when the file cannot be opened.
public func directRead(_ path: String, offset: UInt64, length: Int) throws -> DirectReadResult {
    let fd = open(path, O_RDONLY | openDirectFlag | O_CLOEXEC)
    guard fd >= 0 else { throw TestBedError("open \(path) O_DIRECT: \(errnoText())") }
    defer { close(fd) }
    var buffer: UnsafeMutableRawPointer?
    guard posix_memalign(&buffer, 4096, max(length, 4096)) == 0, let buffer else {
        throw TestBedError("posix_memalign failed")
    }
    defer { free(buffer) }
    let clock = ContinuousClock()
    let start = clock.now
    var n: Int
    repeat {
        n = pread(fd, buffer, length, off_t(offset))
    } while n < 0 && errno == EINTR
    let code = n < 0 ? errno : 0
    let elapsed = clock.now - start
    let data = n > 0 ? Array(UnsafeRawBufferPointer(start: buffer, count: n)) : []
    return DirectReadResult(errno: code, bytesRead: max(n, 0), elapsed: elapsed, data: data)
}

/// Deterministic pseudo-random bytes (splitmix64): byte `i` of a file written
/// with `seed` is `patternBytes(offset: i, count: 1, seed: seed)[0]`.
public func patternBytes(offset: Int = 0, count: Int, seed: UInt64) -> [UInt8] {
    var result = [UInt8](repeating: 0, count: count)
    guard count > 0 else { return result }
    func word(_ index: UInt64) -> UInt64 {
        var z = seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    result.withUnsafeMutableBytes { out in
        var i = 0
        // Leading bytes up to a word boundary, then whole words, then the tail.
        while i < count && (offset + i) % 8 != 0 {
            out[i] = UInt8(truncatingIfNeeded: word(UInt64((offset + i) / 8)) >> (UInt64((offset + i) % 8) * 8))
            i += 1
        }
        while i + 8 <= count {
            out.storeBytes(of: word(UInt64((offset + i) / 8)).littleEndian, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < count {
            out[i] = UInt8(truncatingIfNeeded: word(UInt64((offset + i) / 8)) >> (UInt64((offset + i) % 8) * 8))
            i += 1
        }
    }
    return result
}
