import Synchronization

/// The producer side of one device's scan: a few threads plan the lanes,
/// each streaming GETFSMAP for its lane into that lane's bounded queue.
/// Lanes are taken in physical order; several are planned at once so that
/// a lane waiting for its space map does not leave the readers idle.
/// Planning only feeds chunks and reports them; it keeps no scan state.
struct ChunkFeeder: Sendable {
    /// Each planner is used by one planning thread at a time.
    let planners: UncheckedSendable<[LanePlanner]>
    let queues: LaneQueues
    let sink: any ScanSink
    let stop: DeviceStop
    /// Why the scan stops when GETFSMAP says the filesystem is gone (ENODEV).
    let vanished: @Sendable () -> StopCause

    /// Lanes planned at the same time.
    static let parallelLanes = 4

    func run() {
        let next = Atomic<Int>(0)
        let workers = (0..<min(ChunkFeeder.parallelLanes, planners.value.count)).map { index in
            DedicatedThread.start(name: "plan-\(index)") { [self] in
                while true {
                    let lane = next.add(1, ordering: .relaxed).oldValue
                    guard lane < planners.value.count else { return }
                    plan(planners.value[lane])
                }
            }
        }
        workers.forEach { $0.join() }
    }

    /// Plans one lane into its queue, to its end unless the scan stops or
    /// the space map cannot be read.
    private func plan(_ planner: LanePlanner) {
        let lane = planner.lane.index
        defer { queues.finish(lane: lane) }
        do {
            while let chunk = try planner.next() {
                sink.planned(chunk, resumePoint: planner.resumePoint)
                if stop.isRequested || !queues.push(chunk) {
                    sink.dropped(chunk)
                    return
                }
            }
            sink.lanePlanned(lane)
        } catch .ENODEV {
            stop.scan.request(vanished())
        } catch {
            sink.laneUnplannable(lane, from: planner.resumePoint, error: error)
        }
    }
}
