/// The checkpoint file, `xfs-verify-media-checkpoint/1`: the member names
/// version 0.1.0 wrote with Foundation's JSONEncoder (`.convertToSnakeCase`),
/// so its checkpoints still resume, and the other way round.
extension Checkpoint {
    public func save(to path: String) throws(Errno) {
        try AtomicFile.write(Array((json.serialized() + "\n").utf8), to: path, mode: 0o600)
    }

    /// The checkpoint in the file at `path`, not yet checked against the
    /// filesystem; nil when there is no such file.
    static func read(from path: String) throws(VerifyMediaError) -> Checkpoint? {
        let contents: [UInt8]?
        do {
            contents = try FileDescriptor.contentsIfPresent(path)
        } catch {
            throw .usage("\(path): cannot read the checkpoint: \(error)")
        }
        guard let contents else { return nil }
        do {
            return try Checkpoint(fileContents: contents)
        } catch {
            throw .usage("\(path): not a valid checkpoint (\(error))")
        }
    }

    /// A checkpoint file's contents.
    public init(fileContents: [UInt8]) throws(JSONShapeError) {
        let root = try JSONObjectReader.document(fileContents, format: Checkpoint.format)
        self.init(fsUuid: try root.string("fs_uuid"), scope: try root.enumeration("scope", ScanScope.self),
                  saved: try root.double("saved"), seconds: try root.double("seconds"),
                  devices: try root.objects("devices", DeviceMark.init(json:)),
                  badRanges: try root.objects("bad_ranges", BadRange.init(checkpoint:)),
                  unverifiedRanges: try root.objects("unverified_ranges", UnverifiedRange.init(checkpoint:)),
                  flakyRanges: try root.objects("flaky_ranges", FlakyRange.init(checkpoint:)))
    }

    var json: JSONValue {
        .object([
            ("format", .string(format)),
            ("fs_uuid", .string(fsUuid)),
            ("scope", .string(scope.rawValue)),
            ("saved", .double(saved)),
            ("seconds", .double(seconds)),
            ("devices", .array(devices.map(\.json))),
            ("bad_ranges", .array(badRanges.map(\.checkpointJSON))),
            ("unverified_ranges", .array(unverifiedRanges.map(\.checkpointJSON))),
            ("flaky_ranges", .array(flakyRanges.map(\.checkpointJSON))),
        ])
    }
}

extension Checkpoint.DeviceMark {
    init(json: JSONObjectReader) throws(JSONShapeError) {
        self.init(role: try json.enumeration("role", DeviceRole.self), bytesPlanned: try json.uint64("bytes_planned"),
                  bytesVerified: try json.uint64("bytes_verified"), bytesRead: try json.uint64("bytes_read"),
                  lanes: try json.objects("lanes", Checkpoint.LaneMark.init(json:)))
    }

    var json: JSONValue {
        .object([
            ("role", .string(role.rawValue)),
            ("bytes_planned", .unsigned(bytesPlanned)),
            ("bytes_verified", .unsigned(bytesVerified)),
            ("bytes_read", .unsigned(bytesRead)),
            ("lanes", .array(lanes.map(\.json))),
        ])
    }
}

extension Checkpoint.LaneMark {
    init(json: JSONObjectReader) throws(JSONShapeError) {
        self.init(lane: try json.string("lane"), start: try json.uint64("start"), end: try json.uint64("end"),
                  verifiedUpTo: try json.uint64("verified_up_to"))
    }

    var json: JSONValue {
        .object([("lane", .string(lane)), ("start", .unsigned(start)), ("end", .unsigned(end)), ("verified_up_to", .unsigned(verifiedUpTo))])
    }
}

// The findings as a checkpoint keeps them: device, byte range, errno name.

extension BadRange {
    /// "reported_to_kernel" is absent from checkpoints of version 0.1.0.
    init(checkpoint json: JSONObjectReader) throws(JSONShapeError) {
        self.init(device: try json.enumeration("device", DeviceRole.self), range: try ByteRange(checkpoint: json.object("range")),
                  error: try json.parsed("error", as: "an errno name", Errno.init(name:)),
                  reportedToKernel: json.optional("reported_to_kernel") == nil ? false : try json.bool("reported_to_kernel"))
    }

    var checkpointJSON: JSONValue {
        .object([("device", .string(device.rawValue)), ("range", range.checkpointJSON), ("error", .string(error.name)),
                 ("reported_to_kernel", .bool(reportedToKernel))])
    }
}

extension UnverifiedRange {
    init(checkpoint json: JSONObjectReader) throws(JSONShapeError) {
        self.init(device: try json.enumeration("device", DeviceRole.self), range: try ByteRange(checkpoint: json.object("range")),
                  error: try json.parsed("error", as: "an errno name", Errno.init(name:)),
                  reason: try json.enumeration("reason", UnverifiedReason.self))
    }

    var checkpointJSON: JSONValue {
        .object([("device", .string(device.rawValue)), ("range", range.checkpointJSON), ("error", .string(error.name)),
                 ("reason", .string(reason.rawValue))])
    }
}

extension FlakyRange {
    init(checkpoint json: JSONObjectReader) throws(JSONShapeError) {
        self.init(device: try json.enumeration("device", DeviceRole.self), range: try ByteRange(checkpoint: json.object("range")),
                  error: json.optional("error") == nil ? nil : try json.parsed("error", as: "an errno name", Errno.init(name:)))
    }

    /// Without "error" when the kernel did not say which errno.
    var checkpointJSON: JSONValue {
        .object([("device", .string(device.rawValue)), ("range", range.checkpointJSON)] + (error.map { [("error", .string($0.name))] } ?? []))
    }
}

extension ByteRange {
    init(checkpoint json: JSONObjectReader) throws(JSONShapeError) {
        self.init(try json.uint64("start"), try json.uint64("end"))
    }

    var checkpointJSON: JSONValue { .object([("start", .unsigned(start)), ("end", .unsigned(end))]) }
}
