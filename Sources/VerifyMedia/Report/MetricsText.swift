/// A scan's state in the Prometheus text format, for node_exporter's
/// textfile collector (`--metrics FILE`): while it runs, its progress; the
/// figures of the last scan that ended (this one once it has, else the one
/// before); when the last complete scan ended. Filesystem-wide figures are
/// labelled with uuid and mountpoint, per-device ones also with device
/// (the block device) and role (data, log, rt).
public enum MetricsText {
    public static func render(_ state: ScanState) -> String {
        let filesystem = [("uuid", state.fsUUID), ("mountpoint", state.mountPoint)]
        func deviceLabels(_ device: ScanState.Device) -> [(String, String)] { filesystem + [("device", device.path), ("role", device.role.rawValue)] }
        var families: [Family] = []
        func gauge(_ name: String, _ help: String, _ samples: [([(String, String)], Double)]) {
            if !samples.isEmpty { families.append(Family(name: "xfs_verify_media_" + name, help: help, samples: samples)) }
        }
        let running = state.phase == .running
        gauge("scan_running", "1 while a scan of the filesystem runs, else 0.", [(filesystem, running ? 1 : 0)])
        if running {
            gauge("scan_progress_ratio", "Part of the scope the running scan has done, from 0 to 1.",
                  state.devices.map { (deviceLabels($0), ScanState.fraction(done: $0.bytesDone, total: $0.bytesTotal)) })
            gauge("scan_read_rate_bytes_per_second", "Bytes the running scan reads per second, over the last seconds.",
                  [(filesystem, state.bytesPerSecond)])
            if let left = state.secondsLeft { gauge("scan_remaining_seconds", "Time the running scan needs still, estimated.", [(filesystem, left)]) }
            gauge("scan_bad_sectors", "Bad sectors the running scan has found so far.",
                  state.devices.map { (deviceLabels($0), Double($0.badSectors)) })
        }
        if let last = state.lastComplete {
            gauge("last_complete_scan_timestamp_seconds", "When the last complete scan ended, seconds since the epoch.", [(filesystem, last)])
        }
        if let outcome = state.lastOutcome {
            gauge("last_scan_end_timestamp_seconds", "When the last scan ended (complete or not), seconds since the epoch.", [(filesystem, outcome.ended)])
            gauge("last_scan_complete", "1 when the last scan covered its whole scope.", [(filesystem, outcome.complete ? 1 : 0)])
            gauge("last_scan_paused", "1 when the last scan stopped at its --max-runtime or --window deadline, to be resumed.",
                  [(filesystem, outcome.paused ? 1 : 0)])
            gauge("last_scan_duration_seconds", "Seconds the last scan spent reading (earlier runs of a resumed scan included).",
                  [(filesystem, outcome.seconds)])
            if let status = outcome.exitStatus {
                gauge("last_scan_exit_status", "Exit status of the last scan (bits: 1 media errors, 2 data lost, 4 not all verified, 16 new).",
                      [(filesystem, Double(status))])
            }
            gauge("last_scan_verified_bytes", "Bytes in scope the last scan read successfully.",
                  outcome.devices.map { (deviceLabels($0), Double($0.bytesVerified)) })
            gauge("last_scan_read_bytes", "Bytes the last scan read (merged gaps and retries included).",
                  outcome.devices.map { (deviceLabels($0), Double($0.bytesRead)) })
            gauge("last_scan_bad_sectors", "Unreadable sectors the last scan found.",
                  outcome.devices.map { (deviceLabels($0), Double($0.badSectors)) })
            gauge("last_scan_bad_ranges", "Ranges of unreadable sectors the last scan found.",
                  outcome.devices.map { (deviceLabels($0), Double($0.badRanges)) })
            if outcome.newBadRanges != nil {
                gauge("last_scan_new_bad_ranges", "Bad ranges the last scan found that the last complete scan before it had not seen.",
                      outcome.devices.map { (deviceLabels($0), Double($0.newBadRanges)) })
            }
            gauge("last_scan_files_affected", "Files whose data or metadata the bad ranges of the last scan hit.",
                  outcome.devices.map { (deviceLabels($0), Double($0.filesAffected)) })
        }
        return families.map(\.text).joined()
    }

    struct Family {
        let name: String
        let help: String
        let samples: [([(String, String)], Double)]

        var text: String {
            var lines = ["# HELP \(name) \(help)", "# TYPE \(name) gauge"]
            for (labels, value) in samples {
                let pairs = labels.map { "\($0.0)=\"\(MetricsText.escape($0.1))\"" }.joined(separator: ",")
                lines.append("\(name){\(pairs)} \(MetricsText.number(value))")
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// Label values: backslash, double quote and newline escaped.
    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Integers as integers, other values with up to three decimals.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return JSONValue.double(value).serialized()
    }
}
