import CXFS
import Glibc

/// Starts one watcher per mounted XFS filesystem: for every filesystem
/// mounted now, and for every one mounted later (fanotify mount events).
/// Each is started as `xfs_verify_media_watch@<escaped mount>.service`
/// (restarted, so that a unit still leaving a mount that was cycled does
/// not swallow the new one). Only mounts of a filesystem's root directory
/// count (the health monitor wants the root), and a filesystem mounted in
/// several places gets one watcher. A filesystem that xfs_healer already
/// watches is left to it: one health monitor per filesystem.
///
/// The mount events only say that something changed; what is mounted is
/// read from /proc/self/mountinfo, each mount known by its unique id
/// (statx), so a filesystem unmounted and mounted again in between is
/// still seen as new. (statmount(2) would do too, but the seccomp filters
/// of older systemd do not know it.)
public final class WatchStarter {
    public let dryRun: Bool
    private let log: MachineLog
    /// Unique mount id -> mount point and device, of the XFS root mounts seen.
    private var mounts: [UInt64: (mountPoint: String, device: String)] = [:]

    public init(dryRun: Bool, log: MachineLog) {
        self.dryRun = dryRun
        self.log = log
    }

    /// Starts watchers for what is mounted now, then for every mount that
    /// appears, until `stop`.
    public func run(stop: StopSignal) throws(VerifyMediaError) {
        let notifier: MountNotifier
        do {
            notifier = try MountNotifier()
        } catch .EINVAL {
            throw .operational("this kernel has no fanotify mount events (FAN_REPORT_MNT, Linux 6.15 or later)")
        } catch .EPERM {
            throw .operational("fanotify mount events need CAP_SYS_ADMIN")
        } catch {
            throw .operational("cannot watch the mount namespace with fanotify: \(error)")
        }
        log.log("watching the mount namespace for XFS filesystems\(dryRun ? " (dry run)" : "")", priority: .info,
                [.init("XVM_EVENT", "starter")])
        rescan()
        while !stop.isRequested {
            let notifications: [MountNotification]
            do {
                notifications = try notifier.next(stop: stop)
            } catch {
                throw .operational("reading fanotify mount events failed: \(error)")
            }
            if !notifications.isEmpty { rescan() }
        }
    }

    /// Compares the mounts now with those seen before: starts watchers for
    /// new filesystems, says which went away.
    func rescan() {
        var now: [UInt64: (mountPoint: String, device: String)] = [:]
        for entry in MountTable.read() where entry.fsType == "xfs" && entry.root == "/" {
            let id = CXFS_unique_mount_id(entry.mountPoint)
            guard id != 0 else { continue }
            now[id] = (entry.mountPoint, "\(entry.major):\(entry.minor)")
        }
        for (id, gone) in mounts where now[id] == nil {
            log.log("\(gone.mountPoint): XFS unmounted (its watcher ends by itself)", priority: .info,
                    [.init("XVM_EVENT", "detached"), .init("XVM_MOUNTPOINT", gone.mountPoint), .init("XVM_MOUNT_ID", String(id))])
        }
        let watched = Set(mounts.filter { now[$0.key] != nil }.map(\.value.device))
        var starting = Set<String>()
        for (id, mount) in now.sorted(by: { $0.key < $1.key }) where mounts[id] == nil {
            if watched.contains(mount.device) || starting.contains(mount.device) {
                log.log("\(mount.mountPoint): another mount of a filesystem already watched; no second watcher", priority: .info,
                        [.init("XVM_EVENT", "attached"), .init("XVM_MOUNTPOINT", mount.mountPoint), .init("XVM_MOUNT_ID", String(id))])
                continue
            }
            starting.insert(mount.device)
            start(mount.mountPoint, id: id)
        }
        mounts = now
    }

    private func start(_ mountPoint: String, id: UInt64) {
        let unit = SystemdUnits.instance(of: SystemdUnits.watchTemplate, path: mountPoint)
        let fields: [LogEntry.Field] = [.init("XVM_EVENT", "attached"), .init("XVM_MOUNTPOINT", mountPoint),
                                        .init("XVM_MOUNT_ID", String(id)), .init("XVM_UNIT", unit)]
        let healer = SystemdUnits.instance(of: SystemdUnits.healerTemplate, path: mountPoint)
        if SystemdUnits.isActive(healer) {
            log.log("\(mountPoint): \(healer) already watches it; not starting \(unit) (one health monitor per filesystem)",
                    priority: .notice, fields)
            return
        }
        if dryRun {
            log.log("\(mountPoint): would start \(unit)", priority: .info, fields)
            return
        }
        switch SystemdUnits.systemctl(["restart", "--no-block", unit]) {
        case 0?: log.log("\(mountPoint): started \(unit)", priority: .info, fields)
        case let status?: log.log("\(mountPoint): could not start \(unit) (systemctl exited \(status))", priority: .error, fields)
        case nil: log.log("\(mountPoint): could not start \(unit): systemd is not running", priority: .error, fields)
        }
    }
}
