import Testing
@testable import VerifyMedia

private let KiB: UInt64 = 1024
private let MiB: UInt64 = 1 << 20

@Suite("Ledger: every in-scope byte accounted once")
struct LedgerTests {
    /// A chunk of several extents with small free gaps, as the planner merges them.
    let chunk = Chunk(lane: 0, range: ByteRange(0, MiB),
                      scope: [ByteRange(0, 64 * KiB), ByteRange(80 * KiB, 200 * KiB), ByteRange(1000 * KiB, MiB)])

    @Test("a short read whose chunk has extents past the split counts only what it read (issue 9.3)")
    func shortAdvanceBeforeLaterExtents() {
        let bench = LedgerBench()
        bench.ledger.planned(chunk, resumePoint: chunk.range.end)
        // XFS_IOC_VERIFY_MEDIA advanced 100 KiB, then stopped without saying why.
        bench.ledger.read(chunk, .partial(verified: Int(100 * KiB), error: nil), latencyNanoseconds: 0)
        #expect(bench.verified == 64 * KiB + 20 * KiB, "only the scope before the split is verified")
        #expect(bench.ledger.resumePoints == [0], "the chunk is not settled before it is pinpointed")

        bench.ledger.verified(ByteRange(100 * KiB, 200 * KiB), in: chunk)
        bench.ledger.bad(ByteRange(1000 * KiB, 1000 * KiB + 512), .EIO, reportedToKernel: false, in: chunk)
        // The same range reported twice, and a range out of scope, count nothing.
        bench.ledger.verified(ByteRange(100 * KiB, 200 * KiB), in: chunk)
        bench.ledger.verified(ByteRange(300 * KiB, 900 * KiB), in: chunk)
        bench.ledger.verified(ByteRange(1000 * KiB + 512, 1012 * KiB), in: chunk)
        bench.ledger.pinpointed(chunk, leftover: .interrupted, error: .ECANCELED)

        let findings = bench.findings
        #expect(findings.bad.map(\.range) == [ByteRange(1000 * KiB, 1000 * KiB + 512)])
        // What was never reported stays unverified, not verified.
        #expect(findings.unverified.map(\.range) == [ByteRange(1012 * KiB, MiB)])
        #expect(findings.unverified.map(\.reason) == [.interrupted])
        #expect(bench.verified == chunk.scopeBytes - 512 - 12 * KiB)
        #expect(bench.done == chunk.scopeBytes, "every in-scope byte done once")
        #expect(bench.ledger.resumePoints == [MiB])
    }

    @Test("the same short read, narrowed by the pinpointer: exact bad sector, nothing counted twice (issue 9.3)")
    func shortAdvancePinpointed() {
        let bench = LedgerBench()
        let disk = SimulatedDisk(bad: [1010 * KiB / 512: .EIO])
        bench.ledger.planned(chunk, resumePoint: chunk.range.end)
        bench.ledger.read(chunk, .partial(verified: Int(100 * KiB), error: nil), latencyNanoseconds: 0)
        let pinpointer = Pinpointer(context: bench.context, reader: disk, reportingReads: false, reporter: nil)
        pinpointer.run(PinpointJob(chunk: chunk, failed: ByteRange(100 * KiB, MiB), error: nil))
        let findings = bench.findings
        #expect(findings.bad.map(\.range) == [ByteRange(1010 * KiB, 1010 * KiB + 512)])
        #expect(findings.unverified.isEmpty && findings.flaky.isEmpty)
        #expect(bench.verified == chunk.scopeBytes - 512)
        #expect(bench.done == chunk.scopeBytes)
        #expect(!disk.reads.contains { $0.range.overlaps(ByteRange(200 * KiB, 1000 * KiB)) }, "a gap was read")
        #expect(!disk.reads.contains { $0.range.start < 100 * KiB }, "the part read before was read again")
    }

    @Test("a lane resumes at its first chunk not yet settled; settled totals stop there")
    func resumePointAndSettledTotals() {
        let bench = LedgerBench()
        let chunks = (0..<4).map { index -> Chunk in
            let range = ByteRange(UInt64(index) * MiB, UInt64(index + 1) * MiB)
            return Chunk(lane: 0, range: range, scope: [range])
        }
        for chunk in chunks { bench.ledger.planned(chunk, resumePoint: chunk.range.end) }
        bench.ledger.read(chunks[0], .complete, latencyNanoseconds: 0)
        bench.ledger.read(chunks[2], .complete, latencyNanoseconds: 0)
        bench.ledger.dropped(chunks[3])
        #expect(bench.ledger.resumePoints == [MiB], "chunk 1 is still being read")
        let mark = bench.ledger.checkpointMark().mark
        #expect(mark.lanes.map(\.verifiedUpTo) == [MiB])
        #expect(mark.bytesVerified == MiB && mark.bytesRead == MiB && mark.bytesPlanned == MiB,
                "chunk 2 is read again on resume: not counted in the checkpoint")
        bench.ledger.read(chunks[1], .complete, latencyNanoseconds: 0)
        #expect(bench.ledger.resumePoints == [3 * MiB])
        #expect(bench.ledger.checkpointMark().mark.bytesVerified == 3 * MiB)
    }

    @Test("a checkpoint keeps the findings before the resume points, and gives up ranges for reading again (issue 5)")
    func resumptionReconcilesFindings() {
        let device = BlockDevice(role: .data, path: "/dev/simulated", major: 7, minor: 99, logicalSectorSize: 512,
                                 size: 2 << 30, rotational: false, sysfsPath: "/")
        let lanes = [Lane(index: 0, role: .data, name: "ag 0", range: ByteRange(0, 1 << 30), mapped: true),
                     Lane(index: 1, role: .data, name: "ag 1", range: ByteRange(1 << 30, 2 << 30), mapped: true)]
        func bad(_ start: UInt64, _ end: UInt64) -> BadRange { BadRange(device: .data, range: ByteRange(start, end), error: .EIO) }
        let checkpoint = Checkpoint(
            fsUuid: "u", scope: .allocated, saved: 0, seconds: 10,
            devices: [Checkpoint.DeviceMark(role: .data, bytesPlanned: 0, bytesVerified: 0, bytesRead: 0, lanes: [
                Checkpoint.LaneMark(lane: "ag 0", start: 0, end: 1 << 30, verifiedUpTo: 512 * MiB),
                Checkpoint.LaneMark(lane: "ag 1", start: 1 << 30, end: 2 << 30, verifiedUpTo: (1 << 30) + 100 * MiB),
            ])],
            badRanges: [bad(100 * MiB, 100 * MiB + 512), bad(512 * MiB - 512, 512 * MiB + 512), bad(700 * MiB, 700 * MiB + 512),
                        bad((1 << 30) + 50 * MiB, (1 << 30) + 50 * MiB + 1024)],
            unverifiedRanges: [UnverifiedRange(device: .data, range: ByteRange(200 * MiB, 200 * MiB + 4096), error: .ETIMEDOUT, reason: .transport),
                               UnverifiedRange(device: .data, range: ByteRange(800 * MiB, 801 * MiB), error: .ECANCELED, reason: .interrupted)],
            flakyRanges: [FlakyRange(device: .data, range: ByteRange(900 * MiB, 900 * MiB + 512), error: .EIO)])
        let resumption = checkpoint.resumption(of: device, lanes: lanes)
        #expect(resumption.resumeFrom == [0: 512 * MiB, 1: (1 << 30) + 100 * MiB])
        // After a resume point: read again and found again, so not kept.
        #expect(resumption.bad.map(\.range) == [ByteRange(100 * MiB, 100 * MiB + 512), ByteRange(512 * MiB - 512, 512 * MiB),
                                                ByteRange((1 << 30) + 50 * MiB, (1 << 30) + 50 * MiB + 1024)])
        #expect(resumption.flaky.isEmpty)
        // Given up on before a resume point: read again.
        #expect(resumption.retries.map(\.range) == [ByteRange(200 * MiB, 200 * MiB + 4096)])

        // The resumed ledger counts the kept bad sectors once.
        let retry = Lane(index: 2, role: .data, name: "retry", range: resumption.retries[0].range, mapped: true)
        let ledger = DeviceLedger(device: device, lanes: lanes + [retry], layoutLanes: 2, resumption: resumption)
        let result = ledger.result(seconds: 0, tuning: ReadTuning(ioSize: 1 << 20, queueDepth: 1, mergeGap: 0))
        #expect(result.device.badSectors == 4)
        // Until the retry lane reads it, the range stays unverified, in the result and the next checkpoint.
        #expect(result.unverified.map(\.range) == [ByteRange(200 * MiB, 200 * MiB + 4096)])
        #expect(ledger.checkpointMark().unverified.map(\.reason) == [.transport])
        let again = Chunk(lane: 2, range: retry.range, scope: [retry.range])
        ledger.planned(again, resumePoint: again.range.end)
        ledger.lanePlanned(2)
        ledger.read(again, .complete, latencyNanoseconds: 0)
        #expect(ledger.result(seconds: 0, tuning: ReadTuning(ioSize: 1 << 20, queueDepth: 1, mergeGap: 0)).unverified.isEmpty,
                "a range verified on resume is no longer unverified")
        #expect(ledger.checkpointMark().unverified.isEmpty)
    }

    @Test("a removed device is named as removed, and its failing reads are not bad sectors (issue 16)")
    func removedDevice() throws {
        let bench = LedgerBench(sysfsPath: "/sys/dev/block/0:0-removed")
        let chunk = Chunk(lane: 0, range: ByteRange(0, 64 * KiB), scope: [ByteRange(0, 64 * KiB)])
        pinpoint(SimulatedDisk(bad: Dictionary(uniqueKeysWithValues: (0..<128).map { (UInt64($0), Errno.EIO) })), chunk: chunk, on: bench)
        let findings = bench.findings
        #expect(findings.bad.isEmpty, "a vanished device's EIO called bad: \(findings.bad)")
        #expect(findings.unverified.allSatisfy { $0.reason == .deviceGone } && !findings.unverified.isEmpty)
        #expect(findings.errors.contains { $0.contains("was removed") }, "\(findings.errors)")

        let filesystem = MountedFilesystem(mountPoint: "/nonexistent", geometry: FilesystemGeometry(xfs_fsop_geom_for_tests(
            blocksize: 4096, agblocks: 16384, agcount: 1, datablocks: 16384)), devices: [bench.device], fsmapUsesCookies: false)
        let cause = Scanner.vanishedCause(filesystem)
        #expect(cause == .deviceRemoved(.data, path: "/dev/simulated"))
        #expect(cause.description == "the data device /dev/simulated was removed during the scan")
    }

    @Test("sectors that failed after a removed device's last good read are unverified, not bad; earlier ones stay bad")
    func removalSetsAsideTheLastFailures() {
        let bench = LedgerBench()
        let chunks = (0..<UInt64(3)).map { index -> Chunk in
            let range = ByteRange(index * MiB, (index + 1) * MiB)
            return Chunk(lane: 0, range: range, scope: [range])
        }
        chunks.forEach { bench.ledger.planned($0, resumePoint: $0.range.end) }
        // A real bad sector, then reads that still succeed, then the device
        // goes while it still looks present: its reads fail.
        bench.ledger.read(chunks[0], .failed(.EIO), latencyNanoseconds: 0)
        bench.ledger.bad(ByteRange(0, 512), .EIO, reportedToKernel: false, in: chunks[0])
        bench.ledger.verified(ByteRange(512, MiB), in: chunks[0])
        bench.ledger.pinpointed(chunks[0], leftover: .interrupted, error: .ECANCELED)
        sleep(nanoseconds: 1_000_000)
        bench.ledger.read(chunks[1], .complete, latencyNanoseconds: 0)
        sleep(nanoseconds: 1_000_000)
        bench.ledger.read(chunks[2], .failed(.EIO), latencyNanoseconds: 0)
        bench.ledger.bad(ByteRange(2 * MiB, 2 * MiB + 2560), .EIO, reportedToKernel: false, in: chunks[2])
        #expect(bench.ledger.progress.bad.load(ordering: .relaxed) == 3072)

        bench.ledger.deviceRemoved()
        let findings = bench.findings
        #expect(findings.bad.map(\.range) == [ByteRange(0, 512)])
        #expect(findings.unverified.map(\.range) == [ByteRange(2 * MiB, 2 * MiB + 2560)])
        #expect(findings.unverified.map(\.reason) == [.deviceGone])
        #expect(bench.ledger.progress.bad.load(ordering: .relaxed) == 512)
        #expect(bench.ledger.checkpointMark().bad.map(\.range) == [ByteRange(0, 512)])
    }
}
