import ArgumentParser
import VerifyMedia

/// A size: 4096, 512K, 200M, 1G, 2T (powers of 1024).
struct ByteSize: ExpressibleByArgument {
    let bytes: UInt64

    init?(argument: String) {
        guard let bytes = Units.bytes(argument) else { return nil }
        self.bytes = bytes
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
struct DeviceList: ExpressibleByArgument {
    let roles: Set<DeviceRole>

    init?(argument: String) {
        var roles = Set<DeviceRole>()
        for name in argument.split(separator: ",") {
            guard let role = DeviceRole(rawValue: String(name).trimmed()) else { return nil }
            roles.insert(role)
        }
        guard !roles.isEmpty else { return nil }
        self.roles = roles
    }
}

extension String {
    func trimmed() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

extension ScanScope: ExpressibleByArgument {}
extension EngineChoice: ExpressibleByArgument {}
