import Testing
@testable import VerifyMedia

@Suite("Reading makes way for the space map while the plan is short")
struct SpaceMapYieldTests {
    @Test("few reads in flight only while GETFSMAP runs and little is planned ahead; all once the plan is ahead or done")
    func limitFollowsThePlan() {
        let progress = ProgressCounters()
        let timer = SpaceMapTimer()
        let yield = SpaceMapYield(progress: progress, timer: timer, lowWater: 100 << 20, reads: 2)
        let pacer = Pacer(limiter: nil, foregroundYield: nil, spaceMapYield: yield)
        #expect(yield.limit(now: 1_000) == nil, "no GETFSMAP call under way")

        timer.callStarted()
        #expect(yield.limit(now: 2_000) == 2, "mapping, nothing planned yet")
        #expect(pacer.delay(bytes: 1 << 20) == 0 && pacer.delay(bytes: 1 << 20) == 0, "two reads may go")
        #expect(pacer.delay(bytes: 1 << 20) > 0, "a third waits")
        pacer.finished()
        #expect(pacer.delay(bytes: 1 << 20) == 0, "one ended: the next may go")

        progress.planned.store(300 << 20, ordering: .relaxed)
        progress.done.store(100 << 20, ordering: .relaxed)
        #expect(yield.limit(now: 10_000) == nil, "200 MiB planned ahead: no limit")
        #expect(yield.seconds == Double(10_000 - 2_000) / 1e9, "the time it made way is counted")

        progress.done.store(250 << 20, ordering: .relaxed)
        #expect(yield.limit(now: 11_000) == 2, "the plan ran short again")
        progress.planningFinished.store(true, ordering: .releasing)
        #expect(yield.limit(now: 12_000) == nil, "nothing more to plan")
        timer.callEnded(records: 0, cpuNanoseconds: 0)
        #expect(yield.limit(now: 13_000) == nil)
    }
}
