// One device of a test bed: the loop device and, with a fault disk under
// it, the fault controls (testbed/faultdisk/faultdisk.c).

/// What reads of an armed range do.
public enum FaultKind: Sendable, Equatable {
    /// Fail with EIO.
    case eio
    /// Fail with this errno, by name: ENODATA, ETIMEDOUT, ENOLINK, EREMOTEIO, EILSEQ, ETIME, ...
    case errno(String)
    /// Succeed after a delay.
    case slow(milliseconds: Int)
    /// The first `failures` reads fail with EIO, later ones succeed.
    case flaky(failures: Int)

    /// The kind as the control file spells it.
    public var command: String {
        switch self {
        case .eio: "eio"
        case .errno(let name): "errno:\(name)"
        case .slow(let ms): "slow:\(ms)"
        case .flaky(let n): "flaky:\(n)"
        }
    }
}

/// One line of the fault table, with its counters since the last reset.
public struct FaultRecord: Sendable, Equatable {
    public let id: Int
    /// As written: "eio", "errno:ENODATA", "slow:200", "flaky:1".
    public let kind: String
    /// Byte range on the device.
    public let start: UInt64
    public let length: UInt64
    /// Reads that touched the range, and how many of them failed.
    public let reads: UInt64
    public let failures: UInt64
}

public struct TestDisk: Sendable {
    /// "data", "log" or "rt".
    public let role: String
    /// The loop device, e.g. /dev/loop3.
    public let device: String
    public let logicalSectorSize: Int
    /// The fault disk's control and readmap files; nil without a fault disk.
    public let controlPath: String?
    public let readMapPath: String?
    /// The image file behind it all.
    public let imagePath: String?

    public init(role: String, device: String, logicalSectorSize: Int, controlPath: String?,
                readMapPath: String?, imagePath: String?) {
        self.role = role
        self.device = device
        self.logicalSectorSize = logicalSectorSize
        self.controlPath = controlPath
        self.readMapPath = readMapPath
        self.imagePath = imagePath
    }

    func control() throws -> String {
        guard let controlPath else { throw TestBedError("\(role) device \(device) has no fault disk") }
        return controlPath
    }

    /// Arms a fault on the byte range [offset, offset + length) of the device.
    /// Every read that touches the range is affected, however large.
    public func arm(_ kind: FaultKind, offset: UInt64, length: UInt64) throws {
        try writeToFile(control(), "\(kind.command) \(offset) \(length)\n")
    }

    /// Removes every fault (counters of the readmap stay).
    public func clearFaults() throws { try writeToFile(control(), "clear\n") }

    /// Zeroes the fault counters, the totals and the readmap.
    public func resetCounters() throws { try writeToFile(control(), "reset\n") }

    /// The seek model of a spinning disk (faultdisk.c): a read more than
    /// `near` bytes away from where the last one ended waits
    /// `baseMicroseconds` plus `microsecondsPerGiB` per GiB of the distance.
    public func setSeekModel(baseMicroseconds: UInt32, microsecondsPerGiB: UInt32, near: UInt64 = 64 << 20) throws {
        try writeToFile(control(), "seek \(baseMicroseconds) \(microsecondsPerGiB) \(near)\n")
    }

    /// Turns the seek model off.
    public func disableSeekModel() throws { try writeToFile(control(), "seek off\n") }

    /// Seeks the model charged since the last reset, and the microseconds
    /// they waited in all; nil while the model is off.
    public func seeks() throws -> (count: UInt64, waitedMicroseconds: UInt64)? {
        for fields in try controlLines() where fields.count == 5 && fields[0] == "seek" {
            return (UInt64(fields[3]) ?? 0, UInt64(fields[4]) ?? 0)
        }
        return nil
    }

    /// Remap on write: a write heals the failing sectors it covers, as a
    /// drive remaps a bad sector when it is written (off by default).
    public func remapOnWrite(_ on: Bool) throws { try writeToFile(control(), "remap-on-write \(on ? "on" : "off")\n") }

    /// Bytes healed by writes since remap on write was first switched on.
    public func remappedBytes() throws -> UInt64 {
        for fields in try controlLines() where fields.count == 3 && fields[0] == "remap" {
            return UInt64(fields[2]) ?? 0
        }
        throw TestBedError("no remap line in \(try control())")
    }

    /// The fault table, in arming order.
    public func faults() throws -> [FaultRecord] {
        try controlLines().compactMap { fields in
            guard fields.count == 6, let id = Int(fields[0]), let start = UInt64(fields[2]),
                  let length = UInt64(fields[3]), let reads = UInt64(fields[4]),
                  let failures = UInt64(fields[5]) else { return nil }
            return FaultRecord(id: id, kind: fields[1], start: start, length: length, reads: reads, failures: failures)
        }
    }

    /// Reads the fault disk served since the last reset, and their bytes.
    public func totals() throws -> (reads: UInt64, bytes: UInt64) {
        for fields in try controlLines() where fields.count == 3 && fields[0] == "total" {
            return (UInt64(fields[1]) ?? 0, UInt64(fields[2]) ?? 0)
        }
        throw TestBedError("no total line in \(try control())")
    }

    private func controlLines() throws -> [[String]] {
        let text = String(decoding: try readWholeFile(control()), as: UTF8.self)
        return text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    }

    /// Per 512-byte sector of the device (whatever its logical sector size):
    /// how many reads touched it since the last reset, saturating at 65535.
    public func readMap() throws -> [UInt16] {
        guard let readMapPath else { throw TestBedError("\(role) device \(device) has no fault disk") }
        let bytes = try readWholeFile(readMapPath)
        return stride(from: 0, to: bytes.count - 1, by: 2).map { UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8 }
    }

    /// One O_DIRECT read of the device (see `directRead`).
    public func readDirect(offset: UInt64, length: Int) throws -> DirectReadResult {
        try directRead(device, offset: offset, length: length)
    }
}
