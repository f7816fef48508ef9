import Synchronization

/// The producer side of one device's scan: a few threads plan the lanes,
/// each streaming GETFSMAP for its lane into that lane's bounded queue.
/// Lanes are taken in physical order; several are planned at once so that
/// a lane waiting for its space map does not leave the readers idle.
struct ChunkFeeder {
    let scan: DeviceScan
    let planners: [LanePlanner]

    /// Lanes planned at the same time.
    static let parallelLanes = 4

    func run() {
        let next = Atomic<Int>(0)
        let failed = Atomic<Bool>(false)
        let workers = (0..<min(ChunkFeeder.parallelLanes, planners.count)).map { index in
            let planners = UncheckedSendable(self.planners)
            return DedicatedThread.start(name: "plan-\(scan.device.role)-\(index)") { [scan] in
                while true {
                    let lane = next.add(1, ordering: .relaxed).oldValue
                    guard lane < planners.value.count else { return }
                    if !ChunkFeeder.plan(planners.value[lane], scan: scan) { failed.store(true, ordering: .relaxed) }
                }
            }
        }
        workers.forEach { $0.join() }
        if !failed.load(ordering: .relaxed) { scan.counters.planningFinished.store(true, ordering: .releasing) }
    }

    /// Plans one lane into its queue; false when it could not be planned to the end.
    private static func plan(_ planner: LanePlanner, scan: DeviceScan) -> Bool {
        defer {
            scan.chunks.finish(lane: planner.lane.index)
        }
        do {
            while let chunk = try planner.next() {
                scan.tracker.emitted(chunk, frontier: planner.resumePoint)
                if scan.shouldStop || !scan.chunks.push(chunk) { return false }
                scan.counters.bytesPlanned.add(chunk.scopeBytes, ordering: .relaxed)
            }
            scan.tracker.planningFinished(lane: planner.lane.index)
            return true
        } catch .ENODEV {
            scan.stop.request("\(scan.filesystem.mountPoint) is no longer mounted")
            return false
        } catch {
            let rest = ByteRange(planner.resumePoint, planner.lane.range.end)
            scan.findings.recordError("\(scan.device.path): cannot map \(planner.lane.name) with GETFSMAP: \(error)")
            scan.findings.recordUnverified(scan.device.role, rest, error, reason: "operational")
            return false
        }
    }
}
