/// The producer side of one device's scan: plans each lane in turn,
/// streaming GETFSMAP, and feeds the chunks to the bounded read queue.
/// Lanes are planned in physical order, so the device sees one ascending
/// stream of large reads; the queue depth keeps it busy.
struct ChunkFeeder {
    let scan: DeviceScan
    let planners: [LanePlanner]

    func run() {
        var complete = true
        defer {
            for planner in planners {
                scan.counters.spaceMapRecords.add(planner.spaceMapStatistics.records, ordering: .relaxed)
                scan.counters.spaceMapNanoseconds.add(planner.spaceMapStatistics.nanoseconds, ordering: .relaxed)
            }
        }
        lanes: for planner in planners {
            do {
                while let chunk = try planner.next() {
                    scan.tracker.emitted(chunk, frontier: planner.resumePoint)
                    if scan.shouldStop || !scan.chunks.push(chunk) {
                        complete = false
                        break lanes
                    }
                    scan.counters.bytesPlanned.add(chunk.scopeBytes, ordering: .relaxed)
                }
                scan.tracker.planningFinished(lane: planner.lane.index)
            } catch .ENODEV {
                scan.stop.request("\(scan.filesystem.mountPoint) is no longer mounted")
                complete = false
                break lanes
            } catch {
                let rest = ByteRange(planner.resumePoint, planner.lane.range.end)
                scan.findings.recordError("\(scan.device.path): cannot map \(planner.lane.name) with GETFSMAP: \(error)")
                scan.findings.recordUnverified(scan.device.role, rest, error, reason: "operational")
                complete = false
            }
        }
        if complete { scan.counters.planningFinished.store(true, ordering: .releasing) }
        scan.chunks.close()
    }
}
