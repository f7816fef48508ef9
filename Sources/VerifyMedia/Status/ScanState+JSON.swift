/// The state file, `xfs-verify-media-state/1`, and the JSON of
/// `xfs_verify_media status --json` (one object per filesystem).
extension ScanState {
    public init(fileContents: [UInt8]) throws(JSONShapeError) {
        try self.init(json: try JSONObjectReader.document(fileContents, format: ScanState.format))
    }

    init(json: JSONObjectReader) throws(JSONShapeError) {
        self.init(fsUUID: try json.string("fs_uuid"), mountPoint: try json.string("mountpoint"),
                  phase: try json.enumeration("state", Phase.self), pid: Int32(clamping: try json.uint64("pid")),
                  pidStart: try json.uint64("pid_start"), started: try json.double("started"), updated: try json.double("updated"),
                  engine: try json.enumeration("engine", EngineKind.self), scope: try json.enumeration("scope", ScanScope.self),
                  devices: try json.objects("devices", Device.init(json:)), bytesPerSecond: try json.double("bytes_per_second"),
                  secondsLeft: json.optional("seconds_left") == nil ? nil : try json.double("seconds_left"),
                  outcome: json.optional("outcome") == nil ? nil : try Outcome(json: try json.object("outcome")),
                  previous: json.optional("previous") == nil ? nil : try Outcome(json: try json.object("previous")),
                  lastComplete: json.optional("last_complete") == nil ? nil : try json.double("last_complete"))
    }

    public var json: JSONValue {
        .object([
            ("format", .string(ScanState.format)),
            ("fs_uuid", .string(fsUUID)),
            ("mountpoint", .string(mountPoint)),
            ("state", .string(phase.rawValue)),
            ("pid", .integer(Int64(pid))),
            ("pid_start", .unsigned(pidStart)),
            ("started", .double(started)),
            ("updated", .double(updated)),
            ("engine", .string(engine.rawValue)),
            ("scope", .string(scope.rawValue)),
            ("fraction_done", .double(fraction)),
            ("bytes_done", .unsigned(bytesDone)),
            ("bytes_total", .unsigned(bytesTotal)),
            ("bytes_per_second", .double(bytesPerSecond)),
            ("seconds_left", secondsLeft.map(JSONValue.double) ?? .null),
            ("bad_sectors", .unsigned(badSectors)),
            ("devices", .array(devices.map(\.json))),
            ("outcome", outcome?.json ?? .null),
            ("previous", previous?.json ?? .null),
            ("last_complete", lastComplete.map(JSONValue.double) ?? .null),
        ])
    }
}

extension ScanState.Device {
    init(json: JSONObjectReader) throws(JSONShapeError) {
        self.init(role: try json.enumeration("role", DeviceRole.self), path: try json.string("path"),
                  bytesDone: try json.uint64("bytes_done"), bytesTotal: try json.uint64("bytes_total"),
                  bytesRead: try json.uint64("bytes_read"), bytesVerified: try json.uint64("bytes_verified"),
                  badSectors: try json.uint64("bad_sectors"), badRanges: Int(clamping: try json.uint64("bad_ranges")),
                  newBadRanges: Int(clamping: try json.uint64("new_bad_ranges")),
                  filesAffected: Int(clamping: try json.uint64("files_affected")))
    }

    public var json: JSONValue {
        .object([
            ("role", .string(role.rawValue)), ("path", .string(path)),
            ("bytes_done", .unsigned(bytesDone)), ("bytes_total", .unsigned(bytesTotal)),
            ("bytes_read", .unsigned(bytesRead)), ("bytes_verified", .unsigned(bytesVerified)),
            ("bad_sectors", .unsigned(badSectors)), ("bad_ranges", JSONValue(badRanges)),
            ("new_bad_ranges", JSONValue(newBadRanges)), ("files_affected", JSONValue(filesAffected)),
        ])
    }
}

extension ScanState.Outcome {
    init(json: JSONObjectReader) throws(JSONShapeError) {
        func count(_ key: String) throws(JSONShapeError) -> Int? {
            json.optional(key) == nil ? nil : Int(clamping: try json.uint64(key))
        }
        self.init(started: try json.double("started"), ended: try json.double("ended"), seconds: try json.double("seconds"),
                  complete: try json.bool("complete"), paused: try json.bool("paused"),
                  stopReason: json.optional("stop_reason") == nil ? nil : try json.string("stop_reason"),
                  exitStatus: json.optional("exit_status") == nil ? nil : Int32(clamping: try json.uint64("exit_status")), engine: try json.enumeration("engine", EngineKind.self),
                  badRanges: Int(clamping: try json.uint64("bad_ranges")), newBadRanges: try count("new_bad_ranges"),
                  knownBadRanges: try count("known_bad_ranges"), badSectors: try json.uint64("bad_sectors"),
                  filesAffected: Int(clamping: try json.uint64("files_affected")),
                  devices: try json.objects("devices", ScanState.Device.init(json:)),
                  fraction: json.optional("fraction_done") == nil ? nil : try json.double("fraction_done"))
    }

    public var json: JSONValue {
        .object([
            ("started", .double(started)), ("ended", .double(ended)), ("seconds", .double(seconds)),
            ("complete", .bool(complete)), ("paused", .bool(paused)), ("stop_reason", JSONValue(stopReason)),
            ("exit_status", exitStatus.map { .integer(Int64($0)) } ?? .null), ("engine", .string(engine.rawValue)),
            ("bad_ranges", JSONValue(badRanges)), ("new_bad_ranges", newBadRanges.map(JSONValue.init) ?? .null),
            ("known_bad_ranges", knownBadRanges.map(JSONValue.init) ?? .null), ("bad_sectors", .unsigned(badSectors)),
            ("files_affected", JSONValue(filesAffected)), ("devices", .array(devices.map(\.json))),
            ("fraction_done", fraction.map(JSONValue.double) ?? .null),
        ])
    }
}
