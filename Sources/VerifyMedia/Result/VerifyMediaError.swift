/// A failure that ends the run before or outside the scan proper, with the
/// exit status bit it maps to: 8 for bad input, 4 for operational trouble.
public enum VerifyMediaError: Error, CustomStringConvertible, Equatable {
    case usage(String)
    case operational(String)

    public var description: String {
        switch self {
        case .usage(let message), .operational(let message): message
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .usage: .usage
        case .operational: .operational
        }
    }
}

/// Exit status bits of the command-line contract, OR-ed together.
public struct ExitStatus: OptionSet, Sendable, Codable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Media errors found.
    public static let mediaErrors = ExitStatus(rawValue: 1)
    /// Media errors hit file data.
    public static let dataLost = ExitStatus(rawValue: 2)
    /// Something in scope could not be verified.
    public static let operational = ExitStatus(rawValue: 4)
    /// Bad command line or argument.
    public static let usage = ExitStatus(rawValue: 8)
    /// Media errors not seen by an earlier scan of this filesystem (history).
    public static let newMediaErrors = ExitStatus(rawValue: 16)
}
