/// One read the engines issue: a sector-aligned range of one device, at
/// most one I/O size long, with the parts of it that are in scope. The
/// rest of the range is small gaps between extents, read because one
/// larger read is cheaper than two; errors in gaps are not reported.
public struct Chunk: Sendable {
    public let lane: Int
    public let range: ByteRange
    public let scope: [ByteRange]

    public var length: Int { Int(range.count) }
    public var scopeBytes: UInt64 { scope.totalBytes }
}
