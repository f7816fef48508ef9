/// Where a lane's in-scope extents come from, a batch at a time.
protocol ExtentSource {
    /// Appends the next batch of extents; false once exhausted.
    mutating func nextBatch(into extents: inout [ByteRange]) throws(Errno) -> Bool
    /// Space-map records read so far (in scope or not).
    var records: UInt64 { get }
}

extension ExtentSource {
    var records: UInt64 { 0 }
}

/// In-scope extents of a lane from GETFSMAP.
struct FsmapExtentSource: ExtentSource {
    let stream: FsmapStream
    let scope: ScanScope

    mutating func nextBatch(into extents: inout [ByteRange]) throws(Errno) -> Bool {
        try stream.nextBatch { record in
            if scope.includes(record) { extents.append(ByteRange(record.physical, record.end)) }
        }
    }

    var records: UInt64 { stream.recordsRead }
}

/// The whole lane, free space included (`--scope device`), or a lane that
/// is allocated whole (the external log).
struct WholeRangeSource: ExtentSource {
    let range: ByteRange
    var done = false

    mutating func nextBatch(into extents: inout [ByteRange]) throws(Errno) -> Bool {
        if done { return false }
        done = true
        extents.append(range)
        return true
    }
}

extension LanePlanner {
    /// A planner reading the lane's extents from the space map (or the
    /// whole lane when it is not `mapped`), with a device's read tuning.
    convenience init(lane: Lane, mount: MountAccess, scope: ScanScope, device: BlockDevice, tuning: ReadTuning,
                     resumeFrom: UInt64?, timer: SpaceMapTimer?, yield: SpaceMapYield? = nil) {
        let source = LaneSources.source(for: lane, of: device, mount: mount, scope: scope, timer: timer)
        self.init(lane: lane, source: source, ioSize: UInt64(tuning.ioSize), mergeGap: tuning.mergeGap,
                  alignment: UInt64(device.logicalSectorSize), resumeFrom: resumeFrom, yield: yield)
    }
}

/// Streams one lane's chunks in physical order, holding one space-map
/// batch at a time.
final class LanePlanner {
    let lane: Lane
    private var source: any ExtentSource
    private var builder: ChunkBuilder
    private var batch: [ByteRange] = []
    private var batchIndex = 0
    private var sourceExhausted = false
    private var finished = false
    /// Wall time spent waiting for the source (GETFSMAP), for `--bench`.
    private(set) var mapNanoseconds: UInt64 = 0
    /// Small chunks while reading makes way for the space map.
    private let yield: SpaceMapYield?
    private let ioSize: UInt64

    init(lane: Lane, source: any ExtentSource, ioSize: UInt64, mergeGap: UInt64, alignment: UInt64, resumeFrom: UInt64?,
         yield: SpaceMapYield? = nil) {
        self.lane = lane
        self.source = source
        self.yield = yield
        self.ioSize = ioSize
        let start = min(max(lane.range.start, resumeFrom ?? lane.range.start), lane.range.end)
        builder = ChunkBuilder(lane: lane.index, ioSize: ioSize, mergeGap: mergeGap, alignment: alignment,
                               limits: ByteRange(start, lane.range.end))
    }

    var resumePoint: UInt64 { builder.resumePoint }

    /// Space-map records read for this lane so far.
    var records: UInt64 { source.records }

    /// The next chunk, or nil when the lane is fully planned.
    func next() throws(Errno) -> Chunk? {
        if let yield { builder.nextChunkSize = yield.chunkSize(ioSize: ioSize) }
        while !finished {
            if let chunk = builder.nextChunk() { return chunk }
            if let extent = try nextExtent() {
                builder.feed(extent)
            } else {
                finished = true
                return builder.finish()
            }
        }
        return nil
    }

    private func nextExtent() throws(Errno) -> ByteRange? {
        while batchIndex == batch.count {
            if sourceExhausted { return nil }
            batch.removeAll(keepingCapacity: true)
            batchIndex = 0
            let started = monotonicNanoseconds()
            defer { mapNanoseconds += monotonicNanoseconds() - started }
            sourceExhausted = !(try source.nextBatch(into: &batch))
        }
        defer { batchIndex += 1 }
        return batch[batchIndex]
    }
}
