extension Scanner {
    /// The result model, from the counters, trackers and findings.
    func result(started: Double, seconds: Double) -> ScanResult {
        let snapshot = findings.snapshot()
        let devices = scans.map { scan -> DeviceResult in
            let histogram = scan.latencyHistogram
            let bad = snapshot.bad.filter { $0.device == scan.device.role }
                .reduce(0) { $0 + $1.range.count / UInt64(scan.device.logicalSectorSize) }
            return DeviceResult(
                device: scan.device, bytesPlanned: scan.counters.bytesPlanned.load(ordering: .relaxed),
                bytesVerified: scan.counters.bytesVerified.load(ordering: .relaxed),
                bytesRead: scan.counters.bytesRead.load(ordering: .relaxed), seconds: seconds, badSectors: bad,
                queueDepth: scan.tuning.queueDepth, ioSize: scan.tuning.ioSize,
                latency: LatencySummary(p50Microseconds: histogram.valueAtPercentile(50), p99Microseconds: histogram.valueAtPercentile(99),
                                        p999Microseconds: histogram.valueAtPercentile(99.9), maxMicroseconds: histogram.max,
                                        reads: histogram.totalCount),
                spaceMapRecords: scan.counters.spaceMap.totals.records,
                spaceMapSeconds: scan.counters.spaceMap.totals.seconds)
        }
        let complete = !stop.isRequested && scans.allSatisfy {
            $0.counters.planningFinished.load(ordering: .acquiring) && !$0.deviceStopped.load(ordering: .relaxed)
        }
        let lanes = scans.flatMap { scan in
            scan.tracker.statistics().map {
                LaneStatistics(device: scan.device.role, lane: $0.lane.name, bytesRead: $0.bytesRead, seconds: $0.seconds)
            }
        }
        return ScanResult(filesystem: filesystem, engine: engine, scope: scope, started: started, seconds: seconds,
                          complete: complete, stopReason: stop.reason, devices: devices, badRanges: snapshot.bad,
                          unverifiedRanges: snapshot.unverified, flakyRanges: snapshot.flaky, errors: snapshot.errors, lanes: lanes)
    }
}
