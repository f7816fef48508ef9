/// `--bench`: throughput per device and per group, read latency
/// percentiles, at the queue depth and I/O size used.
public struct BenchReport {
    let report: Report

    public init(_ report: Report) { self.report = report }

    public var lines: [String] {
        var lines = ["device  path                 QD  io size     read       MiB/s    p50 us    p99 us  p99.9 us   max us"]
        for device in report.scan.devices {
            let rate = device.seconds > 0 ? Double(device.bytesRead) / device.seconds / 1048576 : 0
            lines.append([pad(device.device.role.rawValue, 6), pad(device.device.path, 20), pad("\(device.queueDepth)", 3, right: true),
                          pad(formatBytes(UInt64(device.ioSize)), 9, right: true), pad(formatBytes(device.bytesRead), 10, right: true),
                          pad(fixed(rate), 10, right: true), pad("\(device.latency.p50Microseconds)", 9, right: true),
                          pad("\(device.latency.p99Microseconds)", 9, right: true),
                          pad("\(device.latency.p999Microseconds)", 9, right: true),
                          pad("\(device.latency.maxMicroseconds)", 8, right: true)].joined(separator: " "))
        }
        let records = report.scan.devices.reduce(0) { $0 + $1.spaceMapRecords }
        let seconds = report.scan.devices.reduce(0) { $0 + $1.spaceMapSeconds }
        let cpu = report.scan.devices.reduce(0) { $0 + $1.plan.spaceMapCPUSeconds }
        lines.append("space map: \(records) GETFSMAP records in \(formatSeconds(seconds))\(seconds > 0 ? ", \(Int(Double(records) / seconds)) records/s" : ""), CPU \(formatSeconds(cpu))")
        for device in report.scan.devices {
            let plan = device.plan
            lines.append("plan \(device.device.role): \(plan.order) order, \(plan.planningThreads) planning thread\(plan.planningThreads == 1 ? "" : "s"), peak \(formatBytes(UInt64(plan.peakBytes))) of \(formatBytes(UInt64(plan.budgetBytes))); readers waited \(formatSeconds(plan.readerWaitSeconds)) for the plan and made way for the space map \(formatSeconds(plan.spaceMapYieldSeconds)), planners waited \(formatSeconds(plan.plannerWaitSeconds)) for room")
        }
        lines.append("group                 read       MiB/s    records    map s   wait s")
        for lane in report.scan.lanes where lane.bytesRead > 0 || lane.spaceMapRecords > 0 {
            let rate = lane.seconds > 0 ? Double(lane.bytesRead) / lane.seconds / 1048576 : 0
            lines.append([pad("\(lane.device) \(lane.lane)", 16), pad(formatBytes(lane.bytesRead), 10, right: true),
                          pad(fixed(rate), 10, right: true), pad("\(lane.spaceMapRecords)", 10, right: true),
                          pad(hundredths(lane.spaceMapSeconds), 8, right: true),
                          pad(hundredths(lane.readerWaitSeconds), 8, right: true)].joined(separator: " "))
        }
        return lines
    }

    private func fixed(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    private func hundredths(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}

extension TextReport {
    /// `-v`: one line per device.
    public static func deviceLines(_ report: Report) -> [String] {
        report.scan.devices.map { device in
            "\(device.device.role) \(device.device.path) (\(device.device.dev), \(device.device.logicalSectorSize)-byte sectors\(device.device.rotational ? ", rotational" : "")): verified \(formatBytes(device.bytesVerified)) of \(formatBytes(device.bytesPlanned)), read \(formatBytes(device.bytesRead)), \(device.badSectors) bad sectors, QD \(device.queueDepth), \(formatBytes(UInt64(device.ioSize))) reads"
        }
    }
}
