import Testing
@testable import VerifyMedia

/// Extents handed out in fixed-size batches, as GETFSMAP would.
struct ListedExtents: ExtentSource {
    var extents: [ByteRange]
    var batch = 3

    mutating func nextBatch(into output: inout [ByteRange]) throws(Errno) -> Bool {
        if extents.isEmpty { return false }
        let count = min(batch, extents.count)
        output += extents.prefix(count)
        extents.removeFirst(count)
        return true
    }
}

private let KiB: UInt64 = 1024
private let MiB: UInt64 = 1024 * 1024

private func plan(_ extents: [ByteRange], lane: ByteRange = ByteRange(0, 1 << 40), io: UInt64 = MiB,
                  gap: UInt64 = 64 * KiB, alignment: UInt64 = 512, resume: UInt64? = nil) throws -> [Chunk] {
    let planner = LanePlanner(lane: Lane(index: 0, role: .data, name: "ag 0", range: lane, mapped: true),
                              source: ListedExtents(extents: extents), ioSize: io, mergeGap: gap,
                              alignment: alignment, resumeFrom: resume)
    var chunks: [Chunk] = []
    while let chunk = try planner.next() { chunks.append(chunk) }
    return chunks
}

@Suite("Plan: merging, splitting and clipping extents into reads")
struct PlanTests {
    @Test("extents separated by a small gap share one read; the gap is not in scope")
    func mergesSmallGaps() throws {
        let chunks = try plan([ByteRange(0, 4 * KiB), ByteRange(8 * KiB, 12 * KiB)])
        #expect(chunks.count == 1)
        #expect(chunks[0].range == ByteRange(0, 12 * KiB))
        #expect(chunks[0].scope == [ByteRange(0, 4 * KiB), ByteRange(8 * KiB, 12 * KiB)])
        #expect(chunks[0].scopeBytes == 8 * KiB)
    }

    @Test("a gap larger than the merge limit starts a new read")
    func splitsAtLargeGaps() throws {
        let chunks = try plan([ByteRange(0, 4 * KiB), ByteRange(200 * KiB, 204 * KiB)])
        #expect(chunks.map(\.range) == [ByteRange(0, 4 * KiB), ByteRange(200 * KiB, 204 * KiB)])
    }

    @Test("a long extent is split into reads of the I/O size, aligned to multiples of it")
    func splitsLongExtents() throws {
        let chunks = try plan([ByteRange(100 * KiB, 100 * KiB + 3 * MiB + 4 * KiB)])
        #expect(chunks.map(\.range) == [
            ByteRange(100 * KiB, MiB), ByteRange(MiB, 2 * MiB), ByteRange(2 * MiB, 3 * MiB),
            ByteRange(3 * MiB, 3 * MiB + 104 * KiB),
        ])
        #expect(chunks.allSatisfy { $0.scope == [$0.range] })
    }

    @Test("reflinked blocks listed once per owner are read once")
    func readsSharedBlocksOnce() throws {
        let chunks = try plan([ByteRange(0, 8 * KiB), ByteRange(0, 8 * KiB), ByteRange(4 * KiB, 12 * KiB)])
        #expect(chunks.count == 1)
        #expect(chunks[0].scope == [ByteRange(0, 12 * KiB)])
    }

    @Test("extents are widened to whole logical sectors")
    func alignsToSectors() throws {
        let chunks = try plan([ByteRange(1000, 5000)], alignment: 4096)
        #expect(chunks.map(\.range) == [ByteRange(0, 8192)])
    }

    @Test("a lane reads only its own range, and a resumed lane starts at its checkpoint")
    func clipsToLaneAndResumePoint() throws {
        let lane = ByteRange(MiB, 2 * MiB)
        let extents = [ByteRange(0, MiB + 8 * KiB), ByteRange(MiB + 512 * KiB, 3 * MiB)]
        #expect(try plan(extents, lane: lane, gap: 0).map(\.range) == [ByteRange(MiB, MiB + 8 * KiB), ByteRange(MiB + 512 * KiB, 2 * MiB)])
        #expect(try plan(extents, lane: lane, gap: 0, resume: MiB + 600 * KiB).map(\.range) == [ByteRange(MiB + 600 * KiB, 2 * MiB)])
    }

    @Test("every in-scope byte is planned exactly once, in order, in reads no larger than the I/O size")
    func planCoversScopeExactly() throws {
        var generator = SeededGenerator(seed: 42)
        for round in 0..<50 {
            var extents: [ByteRange] = []
            var position: UInt64 = UInt64.random(in: 0...64, using: &generator) * 512
            for _ in 0..<Int.random(in: 1...200, using: &generator) {
                // Overlaps (reflink), touching and gapped extents, big and small.
                let back = UInt64.random(in: 0...3, using: &generator) == 0 ? min(position, UInt64.random(in: 0...16, using: &generator) * 512) : 0
                let start = position - back
                let length = UInt64.random(in: 1...(round % 2 == 0 ? 64 : 8192), using: &generator) * 512
                extents.append(ByteRange(start, start + length))
                position = max(position, start + length) + UInt64.random(in: 0...300, using: &generator) * 512
            }
            // GETFSMAP returns records sorted by physical offset.
            extents.sort { $0.start < $1.start }
            let io = [64 * KiB, 256 * KiB, MiB][round % 3]
            let chunks = try plan(extents, io: io, gap: [0, 16 * KiB, 64 * KiB][round % 3])
            var expected: [ByteRange] = []
            for extent in extents.sorted(by: { $0.start < $1.start }) { expected.appendCoalescing(extent) }
            var planned: [ByteRange] = []
            for chunk in chunks {
                #expect(chunk.range.count <= io)
                #expect(chunk.scope.allSatisfy { $0.start >= chunk.range.start && $0.end <= chunk.range.end })
                if let last = planned.last { #expect(chunk.scope.first!.start >= last.end) }
                chunk.scope.forEach { planned.appendCoalescing($0) }
            }
            #expect(planned == expected, "round \(round)")
        }
    }

    @Test("the resume point never passes an in-scope byte that was not handed out")
    func resumePointIsConservative() throws {
        var generator = SeededGenerator(seed: 11)
        for round in 0..<30 {
            var extents: [ByteRange] = []
            var position: UInt64 = 0
            for _ in 0..<Int.random(in: 1...60, using: &generator) {
                position += UInt64.random(in: 0...400, using: &generator) * 512
                let length = UInt64.random(in: 1...6000, using: &generator) * 512
                extents.append(ByteRange(position, position + length))
                position += length
            }
            let lane = ByteRange(0, position + 8 * MiB)
            let planner = LanePlanner(lane: Lane(index: 0, role: .data, name: "ag 0", range: lane, mapped: true),
                                      source: ListedExtents(extents: extents), ioSize: MiB, mergeGap: 64 * KiB,
                                      alignment: 512, resumeFrom: nil)
            var handedOut: [ByteRange] = []
            while let chunk = try planner.next() {
                chunk.scope.forEach { handedOut.appendCoalescing($0) }
                // Every in-scope byte before the resume point is in a chunk handed out.
                var before = extents.map { $0.clamped(to: ByteRange(0, planner.resumePoint)) }.filter { !$0.isEmpty }
                for range in handedOut { _ = before.remove(range) }
                #expect(before.isEmpty, "round \(round): resume point \(planner.resumePoint) passes \(before)")
            }
            #expect(planner.resumePoint == lane.end)
        }
    }

    @Test("lanes follow the allocation groups and end at the data section")
    func lanesFollowAllocationGroups() {
        var raw = xfs_fsop_geom_for_tests(blocksize: 4096, agblocks: 16384, agcount: 4, datablocks: 60000)
        let geometry = FilesystemGeometry(raw)
        let device = BlockDevice(role: .data, path: "/dev/null", major: 1, minor: 3, logicalSectorSize: 512,
                                 size: 300 * MiB, rotational: false, sysfsPath: "/sys/dev/block/1:3")
        let lanes = LaneLayout.lanes(for: device, geometry: geometry, scope: .allocated)
        #expect(lanes.map(\.name) == ["ag 0", "ag 1", "ag 2", "ag 3"])
        #expect(lanes.map(\.range.start) == [0, 64 * MiB, 128 * MiB, 192 * MiB])
        #expect(lanes.last!.range.end == 60000 * 4096)
        #expect(LaneLayout.lanes(for: device, geometry: geometry, scope: .device).last!.range.end == 300 * MiB)
        raw.agcount = 1
        #expect(LaneLayout.lanes(for: device, geometry: FilesystemGeometry(raw), scope: .allocated).count == 1)
    }
}

import CXFS

func xfs_fsop_geom_for_tests(blocksize: UInt32, agblocks: UInt32, agcount: UInt32, datablocks: UInt64) -> xfs_fsop_geom {
    var geometry = xfs_fsop_geom()
    geometry.blocksize = blocksize
    geometry.agblocks = agblocks
    geometry.agcount = agcount
    geometry.datablocks = datablocks
    geometry.logstart = 1
    geometry.logblocks = 1024
    return geometry
}

/// A small deterministic random number generator (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
