/// A range of one device: what a caller asks to verify
/// (`Scanner(filesystem:ranges:...)`), and what findings are about.
public struct DeviceRange: Sendable, Hashable, CustomStringConvertible {
    public var device: DeviceRole
    public var range: ByteRange

    public init(_ device: DeviceRole, _ range: ByteRange) {
        self.device = device
        self.range = range
    }

    public var description: String { "\(device) \(range)" }
}

/// Sectors that could not be read because the medium failed.
public struct BadRange: Sendable, Hashable, Codable {
    public var device: DeviceRole
    public var range: ByteRange
    public var error: Errno
    /// The kernel was told of every sector of the range with
    /// XFS_VERIFY_MEDIA_REPORT, so its health monitor (and xfs_healer)
    /// knows of them.
    public var reportedToKernel: Bool

    public init(device: DeviceRole, range: ByteRange, error: Errno, reportedToKernel: Bool = false) {
        self.device = device
        self.range = range
        self.error = error
        self.reportedToKernel = reportedToKernel
    }

    enum CodingKeys: String, CodingKey { case device, range, error, reportedToKernel }

    /// Codable as version 0.1.0 wrote checkpoints (the state-file tests
    /// decode with it), which had no `reportedToKernel`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        device = try container.decode(DeviceRole.self, forKey: .device)
        range = try container.decode(ByteRange.self, forKey: .range)
        error = try container.decode(Errno.self, forKey: .error)
        reportedToKernel = try container.decodeIfPresent(Bool.self, forKey: .reportedToKernel) ?? false
    }
}

/// Why part of the scope could not be verified.
public enum UnverifiedReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The path to the device failed (ETIMEDOUT, ENOLINK, ...) after retries.
    case transport
    /// An error that says nothing about the medium (EINVAL, a failed GETFSMAP, ...).
    case operational
    /// The device stopped answering or went away.
    case deviceGone = "device gone"
    /// The scan stopped before the range was narrowed to its sectors.
    case interrupted

    /// As the text report says it: "not verified, transport error".
    public var phrase: String {
        switch self {
        case .transport: "transport error"
        case .operational: "operational error"
        case .deviceGone: "device gone"
        case .interrupted: "the scan stopped before it was narrowed"
        }
    }
}

/// In scope, but neither verified nor found bad: transport failures,
/// operational errors, a device that went away, a stop.
public struct UnverifiedRange: Sendable, Hashable, Codable {
    public var device: DeviceRole
    public var range: ByteRange
    public var error: Errno
    public var reason: UnverifiedReason

    public init(device: DeviceRole, range: ByteRange, error: Errno, reason: UnverifiedReason) {
        self.device = device
        self.range = range
        self.error = error
        self.reason = reason
    }
}

/// A read that failed and then succeeded when read again.
public struct FlakyRange: Sendable, Hashable, Codable {
    public var device: DeviceRole
    public var range: ByteRange
    /// nil when the kernel only said that a later bio failed.
    public var error: Errno?

    public init(device: DeviceRole, range: ByteRange, error: Errno?) {
        self.device = device
        self.range = range
        self.error = error
    }
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
