import CXFS
import Glibc

/// The ways the scan can read a device.
public enum EngineKind: String, Codable, Sendable, CaseIterable {
    /// XFS_IOC_VERIFY_MEDIA: the kernel reads and reports to its health monitor.
    case kernel
    /// O_DIRECT reads through io_uring.
    case uring
    /// O_DIRECT reads through Linux AIO (libaio).
    case aio
    /// O_DIRECT pread(2) from several threads.
    case sync
}

/// `--engine`: a kind, or `auto` (the best one this system allows).
public enum EngineChoice: String, Sendable, CaseIterable {
    case auto, kernel, uring, aio, sync
}

/// The engine a scan will use, and why the better ones were passed over.
public struct EngineSelection: Sendable {
    public let kind: EngineKind
    public let notes: [String]
}

public enum EngineSelector {
    /// Picks the engine: `auto` prefers the kernel ioctl (so the health
    /// monitor learns of bad blocks), then io_uring, libaio, pread. A forced
    /// engine that cannot work is an operational error.
    public static func select(_ choice: EngineChoice, for filesystem: MountedFilesystem) throws(VerifyMediaError) -> EngineSelection {
        var notes: [String] = []
        let order: [EngineKind] = switch choice {
        case .auto: [.kernel, .uring, .aio, .sync]
        case .kernel: [.kernel]
        case .uring: [.uring]
        case .aio: [.aio]
        case .sync: [.sync]
        }
        for kind in order {
            guard let problem = unavailability(of: kind, filesystem) else {
                return EngineSelection(kind: kind, notes: notes)
            }
            if choice != .auto {
                throw .operational("--engine \(kind.rawValue): \(problem)")
            }
            notes.append("\(kind.rawValue) engine unavailable: \(problem)")
        }
        throw .operational("no read engine works on this system: \(notes.joined(separator: "; "))")
    }

    /// Why an engine cannot run here, or nil when it can.
    static func unavailability(of kind: EngineKind, _ filesystem: MountedFilesystem) -> String? {
        switch kind {
        case .kernel:
            guard let mount = try? filesystem.openMountPoint() else { return "cannot open \(filesystem.mountPoint)" }
            defer { mount.close() }
            switch VerifyMediaReader.probe(mount) {
            case nil: return nil
            case .EPERM?: return "XFS_IOC_VERIFY_MEDIA needs CAP_SYS_ADMIN"
            case let error?: return "this kernel lacks XFS_IOC_VERIFY_MEDIA (Linux 7.0 or later needed): \(error)"
            }
        case .uring:
            guard let fd = try? FileDescriptor.open(filesystem.devices[0].path, O_RDONLY | CXFS_O_DIRECT) else { return nil }
            defer { fd.close() }
            do throws(Errno) {
                _ = try URingQueue(fd: fd, depth: 2, ioSize: 4096, idlePriority: false)
                return nil
            } catch .ENOSYS {
                return "io_uring is not built into this kernel (ENOSYS)"
            } catch .EPERM {
                return "io_uring is disabled (kernel.io_uring_disabled or a seccomp filter: EPERM)"
            } catch {
                return "io_uring setup failed: \(error)"
            }
        case .aio:
            guard let fd = try? FileDescriptor.open(filesystem.devices[0].path, O_RDONLY | CXFS_O_DIRECT) else { return nil }
            defer { fd.close() }
            do throws(Errno) {
                _ = try AIOQueue(fd: fd, depth: 2, ioSize: 4096)
                return nil
            } catch {
                return "Linux AIO setup failed: \(error)"
            }
        case .sync:
            return nil
        }
    }
}
