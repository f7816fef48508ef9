/// The history file, `xfs-verify-media-history/1`: the member names version
/// 0.1.0 wrote with Foundation's JSONEncoder, so its histories still load,
/// and the other way round.
extension History {
    /// The history at `directory`; empty when there is none yet.
    public static func load(directory: String, uuid: String) throws(VerifyMediaError) -> History {
        let file = path(directory: directory, uuid: uuid)
        let contents: [UInt8]?
        do {
            contents = try FileDescriptor.contentsIfPresent(file)
        } catch {
            throw .operational("\(file): cannot read the history: \(error)")
        }
        guard let contents else { return History(fsUUID: uuid, runs: []) }
        let history: History
        do {
            history = try History(fileContents: contents)
        } catch {
            throw .operational("\(file): not a valid history file (\(error)); move it away to start a new history")
        }
        guard history.fsUUID == uuid else {
            throw .operational("\(file): the history of filesystem \(history.fsUUID); move it away to start a new history")
        }
        return history
    }

    public func save(directory: String) throws(VerifyMediaError) {
        do {
            try makeDirectories(directory, mode: 0o700)
        } catch {
            throw .operational("\(directory): cannot create the history directory: \(error)")
        }
        do {
            // It names damaged files: for root's eyes only.
            try AtomicFile.write(Array((json.serialized() + "\n").utf8), to: History.path(directory: directory, uuid: fsUUID), mode: 0o600)
        } catch {
            throw .operational("\(History.path(directory: directory, uuid: fsUUID)): cannot write the history: \(error)")
        }
    }

    /// A history file's contents.
    public init(fileContents: [UInt8]) throws(JSONShapeError) {
        let root = try JSONObjectReader.document(fileContents, format: History.format)
        self.init(fsUUID: try root.string("fs_uuid"), runs: try root.objects("runs", Run.init(json:)))
    }

    public var json: JSONValue {
        .object([("format", .string(format)), ("fs_uuid", .string(fsUUID)), ("runs", .array(runs.map(\.json)))])
    }
}

extension History.Run {
    /// The members after "bad_ranges" are absent from files of version 0.1.0.
    init(json: JSONObjectReader) throws(JSONShapeError) {
        self.init(started: try json.double("started"), seconds: try json.double("seconds"), complete: try json.bool("complete"),
                  scope: try json.enumeration("scope", ScanScope.self), engine: try json.enumeration("engine", EngineKind.self),
                  bytesVerified: try json.uint64("bytes_verified"), badRanges: try json.objects("bad_ranges", History.Range.init(json:)),
                  kind: json.optional("kind") == nil ? .scan : try json.enumeration("kind", History.Kind.self),
                  mountPoint: json.optional("mountpoint") == nil ? nil : try json.string("mountpoint"),
                  exitStatus: json.optional("exit_status") == nil ? nil : Int32(clamping: try json.uint64("exit_status")),
                  paused: json.optional("paused") == nil ? false : try json.bool("paused"),
                  filesAffected: json.optional("files_affected") == nil ? nil : Int(clamping: try json.uint64("files_affected")))
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("started", .double(started)),
            ("seconds", .double(seconds)),
            ("complete", .bool(complete)),
            ("scope", .string(scope.rawValue)),
            ("engine", .string(engine.rawValue)),
            ("bytes_verified", .unsigned(bytesVerified)),
            ("bad_ranges", .array(badRanges.map(\.json))),
            ("kind", .string(kind.rawValue)),
            ("paused", .bool(paused)),
        ]
        if let mountPoint { members.append(("mountpoint", .string(mountPoint))) }
        if let exitStatus { members.append(("exit_status", .integer(Int64(exitStatus)))) }
        if let filesAffected { members.append(("files_affected", JSONValue(filesAffected))) }
        return .object(members)
    }
}

extension History.Range {
    init(json: JSONObjectReader) throws(JSONShapeError) {
        var owners: [String] = []
        if case .array(let values)? = json.optional("owners") {
            owners = values.compactMap { if case .string(let text) = $0 { text } else { nil } }
        }
        self.init(device: try json.enumeration("device", DeviceRole.self), startDaddr: try json.uint64("start_daddr"),
                  endDaddr: try json.uint64("end_daddr"), error: try json.string("error"),
                  status: json.optional("status") == nil ? nil : try json.enumeration("status", History.RangeStatus.self), owners: owners)
    }

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [("device", .string(device.rawValue)), ("start_daddr", .unsigned(startDaddr)),
                                              ("end_daddr", .unsigned(endDaddr)), ("error", .string(error))]
        if let status { members.append(("status", .string(status.rawValue))) }
        if !owners.isEmpty { members.append(("owners", .array(owners.map(JSONValue.string)))) }
        return .object(members)
    }
}
