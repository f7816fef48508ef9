import Synchronization

/// Sectors that could not be read because the medium failed.
public struct BadRange: Sendable, Hashable, Codable {
    public var device: DeviceRole
    public var range: ByteRange
    public var error: Errno
}

/// In scope, but neither verified nor found bad: transport failures,
/// operational errors, a device that went away.
public struct UnverifiedRange: Sendable, Hashable, Codable {
    public var device: DeviceRole
    public var range: ByteRange
    public var error: Errno
    /// "transport", "operational", "device gone".
    public var reason: String
}

/// A read that failed and then succeeded when read again.
public struct FlakyRange: Sendable, Hashable, Codable {
    public var device: DeviceRole
    public var range: ByteRange
    /// nil when the kernel only said that a later bio failed.
    public var error: Errno?
}

extension Errno: Codable {
    public init(from decoder: Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let value = Errno(name: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown errno \(name)"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

/// Everything the scan found, shared by all engine and pinpoint threads.
/// Adjacent bad sectors with the same errno join into one range.
final class Findings: Sendable {
    /// Where a bad range ends, to extend it when the next sector is bad too.
    private struct RangeEnd: Hashable {
        let device: DeviceRole
        let error: Errno
        let end: UInt64
    }

    private struct State {
        var bad: [BadRange] = []
        var badEnds: [RangeEnd: Int] = [:]
        var unverified: [UnverifiedRange] = []
        var flaky: [FlakyRange] = []
        var errors: [String] = []
    }
    private let state = Mutex(State())

    func recordBad(_ device: DeviceRole, _ range: ByteRange, _ error: Errno) {
        state.withLock { state in
            if let index = state.badEnds.removeValue(forKey: RangeEnd(device: device, error: error, end: range.start)) {
                state.bad[index].range.end = range.end
                state.badEnds[RangeEnd(device: device, error: error, end: range.end)] = index
            } else {
                state.bad.append(BadRange(device: device, range: range, error: error))
                state.badEnds[RangeEnd(device: device, error: error, end: range.end)] = state.bad.count - 1
            }
        }
    }

    func recordUnverified(_ device: DeviceRole, _ range: ByteRange, _ error: Errno, reason: String) {
        state.withLock { state in
            if let index = state.unverified.lastIndex(where: {
                $0.device == device && $0.error == error && $0.reason == reason && $0.range.end == range.start
            }) {
                state.unverified[index].range.end = range.end
            } else {
                state.unverified.append(UnverifiedRange(device: device, range: range, error: error, reason: reason))
            }
        }
    }

    func recordFlaky(_ device: DeviceRole, _ range: ByteRange, _ error: Errno?) {
        state.withLock { $0.flaky.append(FlakyRange(device: device, range: range, error: error)) }
    }

    /// An operational problem worth a line in the report (exit bit 4).
    func recordError(_ message: String) {
        state.withLock { $0.errors.append(message) }
    }

    /// Findings carried over from a checkpoint.
    func restore(bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange]) {
        for range in bad { recordBad(range.device, range.range, range.error) }
        state.withLock { state in
            state.unverified += unverified
            state.flaky += flaky
        }
    }

    func snapshot() -> (bad: [BadRange], unverified: [UnverifiedRange], flaky: [FlakyRange], errors: [String]) {
        state.withLock { state in
            let order: (DeviceRole, ByteRange, DeviceRole, ByteRange) -> Bool = { ($0, $1.start) < ($2, $3.start) }
            return (state.bad.sorted { order($0.device, $0.range, $1.device, $1.range) },
                    state.unverified.sorted { order($0.device, $0.range, $1.device, $1.range) },
                    state.flaky.sorted { order($0.device, $0.range, $1.device, $1.range) },
                    state.errors)
        }
    }
}
