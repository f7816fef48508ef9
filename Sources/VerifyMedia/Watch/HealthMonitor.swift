import CXFS
import Glibc

/// Why the health monitor of a filesystem could not be opened.
public enum HealthMonitorError: Error, Sendable, CustomStringConvertible {
    /// Another monitor is attached (the kernel allows one per filesystem):
    /// xfs_healer, or another watcher. `holder` is it, when /proc shows it.
    case alreadyMonitored(holder: MonitorHolder?)
    /// The kernel has no health monitor (before Linux 7.0).
    case unsupported(Errno)
    /// Not CAP_SYS_ADMIN in the initial user namespace, or not the root directory.
    case notPermitted
    case failed(Errno)

    public var description: String {
        switch self {
        case .alreadyMonitored(let holder):
            "another program already monitors this filesystem's health\(holder.map { " (pid \($0.pid), \($0.command))" } ?? "")"
        case .unsupported(let error): "this kernel has no XFS health monitor (Linux 7.0 or later needed): \(error)"
        case .notPermitted: "opening the health monitor needs CAP_SYS_ADMIN in the initial user namespace"
        case .failed(let error): "cannot open the health monitor: \(error)"
        }
    }
}

/// The read side of XFS_IOC_HEALTH_MONITOR: an anonymous descriptor that
/// yields 64-byte events and does not keep the filesystem mounted. The
/// caller opens it on the root directory and may close that right away.
public final class HealthMonitor: Sendable {
    let fd: FileDescriptor
    /// The filesystem's device, to find who holds a monitor on EEXIST.
    let device: DeviceNumber

    private init(fd: FileDescriptor, device: DeviceNumber) {
        self.fd = fd
        self.device = device
    }

    deinit { fd.close() }

    /// Attaches a monitor to the filesystem whose root directory is open as
    /// `root`. `verbose` asks for every metadata health event, not only changes.
    public static func open(root: FileDescriptor, verbose: Bool) throws(HealthMonitorError) -> HealthMonitor {
        var request = xfs_health_monitor()
        request.format = UInt8(XFS_HEALTH_MONITOR_FMT_V0)
        request.flags = verbose ? UInt64(XFS_HEALTH_MONITOR_VERBOSE) : 0
        let device = (try? root.stat()).map { DeviceNumber($0.st_dev) } ?? DeviceNumber(major: 0, minor: 0)
        let result = withUnsafeMutableBytes(of: &request) { Glibc.ioctl(root.rawValue, CXFS_XFS_IOC_HEALTH_MONITOR, $0.baseAddress!) }
        guard result >= 0 else {
            let error = Errno.current
            switch error.rawValue {
            case EEXIST: throw .alreadyMonitored(holder: MonitorHolder.find(device: device))
            case ENOTTY, EOPNOTSUPP: throw .unsupported(error)
            case EPERM: throw .notPermitted
            default: throw .failed(error)
            }
        }
        return HealthMonitor(fd: FileDescriptor(rawValue: result), device: device)
    }

    public enum ReadResult: Sendable {
        case events([HealthEvent])
        /// The filesystem went away (read returned 0).
        case endOfFile
        /// `stop` was requested before anything arrived.
        case stopped
        case failed(Errno)
    }

    /// Waits for events (checking `stop` a few times a second) and returns
    /// the whole records read; a partial record waits in `assembler`.
    func read(into buffer: inout [UInt8], assembler: inout HealthEventAssembler, stop: StopSignal) -> ReadResult {
        precondition(buffer.count % HealthEvent.size == 0, "read whole records")
        while !stop.isRequested {
            var poller = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
            let ready = poll(&poller, 1, 200)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failed(.current)
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .failed(.current)
            }
            if count == 0 { return .endOfFile }
            let events = buffer.withUnsafeBytes { assembler.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            if !events.isEmpty { return .events(events) }
        }
        return .stopped
    }

    /// Whether `other` is on the monitored filesystem (XFS_IOC_HEALTH_FD_ON_MONITORED_FS);
    /// false also once the filesystem is unmounted.
    func isOnMonitoredFilesystem(_ other: FileDescriptor) -> Bool {
        var request = xfs_health_file_on_monitored_fs()
        request.fd = other.rawValue
        return (try? fd.ioctl(CXFS_XFS_IOC_HEALTH_FD_ON_MONITORED_FS, &request)) != nil
    }
}

/// The process that holds the health monitor of a filesystem: the kernel
/// names the monitor's anonymous inode "xfs_healthmon" and shows the
/// monitored device in its fdinfo, so /proc tells (when we may look).
public struct MonitorHolder: Sendable, Equatable {
    public let pid: Int32
    /// /proc/PID/comm: "xfs_healer", "xfs_verify_medi" (15 characters at most).
    public let command: String

    public var isXfsHealer: Bool { command.hasPrefix("xfs_healer") }
    public var isXfsVerifyMedia: Bool { "xfs_verify_media".hasPrefix(command) && command.count >= 10 }

    static func find(device: DeviceNumber) -> MonitorHolder? {
        guard let entries = opendir("/proc") else { return nil }
        defer { closedir(entries) }
        while let entry = readdir(entries) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard let pid = Int32(name), pid != getpid(), holds(pid: pid, device: device) else { continue }
            let command = readTextFile("/proc/\(pid)/comm")?.split(separator: "\n").first.map(String.init) ?? "?"
            return MonitorHolder(pid: pid, command: command)
        }
        return nil
    }

    private static func holds(pid: Int32, device: DeviceNumber) -> Bool {
        guard let fds = opendir("/proc/\(pid)/fd") else { return false }
        defer { closedir(fds) }
        var target = [CChar](repeating: 0, count: 256)
        while let entry = readdir(fds) {
            let fd = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            guard Int(fd) != nil else { continue }
            let length = readlink("/proc/\(pid)/fd/\(fd)", &target, target.count - 1)
            guard length > 0 else { continue }
            let link = String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard link.contains("xfs_healthmon"), let info = readTextFile("/proc/\(pid)/fdinfo/\(fd)") else { continue }
            for line in info.split(separator: "\n") where line.hasPrefix("dev:") {
                if line.dropFirst(4).trimmingCharacters(in: " \t") == "\(device.major):\(device.minor)" { return true }
            }
        }
        return false
    }
}
