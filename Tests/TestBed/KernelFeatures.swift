// What the running kernel offers, asked of the kernel itself: tests of the
// real XFS_IOC_VERIFY_MEDIA and health monitor run where they answer (the
// Linux 7.x guest, testbed/guest), the emulator's tests where they do not.
// Never decided by the version number the kernel happens to print.
import CXFS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum KernelFeatures {
    public struct Answers: Sendable {
        /// XFS_IOC_VERIFY_MEDIA answered an empty range with 0.
        public let verifyMedia: Bool
        /// XFS_IOC_HEALTH_MONITOR gave a monitor file.
        public let healthMonitor: Bool
        /// Why the probe itself could not run (no test bed here), or nil.
        public let probeError: String?
    }

    /// The kernel's answers, probed once per process on a scratch XFS (a
    /// test bed without fault disk, torn down at once).
    public static var answers: Answers { probed }

    public static var hasVerifyMedia: Bool { probed.verifyMedia }
    public static var hasHealthMonitor: Bool { probed.healthMonitor }

    /// The kernel version when running inside `testbed/guest` (it sets XVM_GUEST).
    public static var guestKernel: String? { ProcessInfo.processInfo.environment["XVM_GUEST"] }

    /// nil when this kernel has XFS_IOC_VERIFY_MEDIA and the health monitor;
    /// else the one-line reason a real-kernel test skips.
    public static var realKernelUnavailableReason: String? {
        if let reason = TestBed.unavailableReason { return "test bed unavailable: \(reason)" }
        if probed.verifyMedia && probed.healthMonitor { return nil }
        return realKernelSkipText
    }

    /// What a real-kernel test says when it skips, without probing (for trait comments).
    public static let realKernelSkipText =
        "needs XFS_IOC_VERIFY_MEDIA and the XFS health monitor (Linux 7.x); runs in the guest suite: make test-guest"

    private static let probed: Answers = {
        guard TestBed.unavailableReason == nil else {
            return Answers(verifyMedia: false, healthMonitor: false, probeError: TestBed.unavailableReason)
        }
        do {
            let bed = try TestBed.up(TestBedOptions(size: 320 << 20, agCount: 2, mkfsOptions: [], faultDisk: false))
            defer { try? bed.down() }
            let fd = open(bed.mountPoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard fd >= 0 else { throw TestBedError("open \(bed.mountPoint): \(errnoText())") }
            defer { close(fd) }
            var verify = xfs_verify_media()
            verify.me_dev = UInt32(XFS_DEV_DATA.rawValue)
            let verifies = withUnsafeMutableBytes(of: &verify) { ioctl(fd, CXFS_XFS_IOC_VERIFY_MEDIA, $0.baseAddress!) } == 0
            var monitor = xfs_health_monitor()
            monitor.format = UInt8(XFS_HEALTH_MONITOR_FMT_V0)
            let monitorFD = withUnsafeMutableBytes(of: &monitor) { ioctl(fd, CXFS_XFS_IOC_HEALTH_MONITOR, $0.baseAddress!) }
            if monitorFD >= 0 { close(monitorFD) }
            return Answers(verifyMedia: verifies, healthMonitor: monitorFD >= 0, probeError: nil)
        } catch {
            // Said once on stderr: the tests then skip as if the kernel had neither.
            FileHandle.standardError.write(Data("KernelFeatures: cannot probe the kernel: \(error)\n".utf8))
            return Answers(verifyMedia: false, healthMonitor: false, probeError: "\(error)")
        }
    }()
}
