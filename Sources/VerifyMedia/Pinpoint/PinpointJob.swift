/// A read that failed in part, waiting to be narrowed to sectors.
struct PinpointJob: Sendable {
    let chunk: Chunk
    /// The part of the chunk that failed (all of it, or what followed a
    /// short read).
    let failed: ByteRange
    let error: Errno?
}
