import ArgumentParser
import VerifyMedia

/// A size: 4096, 512K (2^10), 200M or 200MiB (2^20), 200MB (10^6), 1G, 2T.
struct ByteSize {
    let bytes: UInt64

    /// For `@Option(transform:)`: a message that says what is wrong.
    static func parse(_ argument: String) throws -> ByteSize {
        do {
            return ByteSize(bytes: try Units.bytes(argument))
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// A duration: 30d, 12h, 90m, 45s, 2w, 1mo (30 days), 1y; plain numbers are seconds.
struct Interval: ExpressibleByArgument {
    let seconds: Double

    init?(argument: String) {
        guard let seconds = Units.seconds(argument) else { return nil }
        self.seconds = seconds
    }
}

/// `--device data,log,rt`.
struct DeviceList {
    let roles: Set<DeviceRole>

    static let valueNames = DeviceRole.allCases.map(\.rawValue).joined(separator: ", ")

    static func parse(_ argument: String) throws -> DeviceList {
        var roles = Set<DeviceRole>()
        for name in argument.split(separator: ",", omittingEmptySubsequences: false) {
            let word = name.filter { $0 != " " }
            guard let role = DeviceRole(rawValue: word) else {
                throw ValidationError("unknown device '\(word)': the devices are \(valueNames), comma-separated")
            }
            roles.insert(role)
        }
        return DeviceList(roles: roles)
    }
}

extension ScanScope: ExpressibleByArgument {}
extension EngineChoice: ExpressibleByArgument {}

/// `--window HH:MM-HH:MM`.
enum WindowArgument {
    static func parse(_ argument: String) throws -> DailyWindow {
        guard let window = DailyWindow(argument) else {
            throw ValidationError("not a window: HH:MM-HH:MM in local time, e.g. 01:00-06:00 (22:00-04:00 runs past midnight)")
        }
        return window
    }
}
