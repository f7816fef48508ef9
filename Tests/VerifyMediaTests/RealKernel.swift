// How a test says which kernel it needs. Real-kernel tests live in suites
// named `RealKernel…` (the guest suite runs exactly those: `make test-guest`)
// and carry `.realKernel`; tests that need the ioctl to be missing (the
// LD_PRELOAD emulator's, "--engine kernel fails here") carry
// `.kernelLacksVerifyMedia`. Both decide by asking the kernel (KernelFeatures),
// never by its version number.
import Testing
import TestBed

extension Trait where Self == ConditionTrait {
    /// Runs where the kernel has XFS_IOC_VERIFY_MEDIA and the health monitor
    /// (the Linux 7.x guest); elsewhere skips with the reason.
    static var realKernel: Self {
        .enabled(if: KernelFeatures.realKernelUnavailableReason == nil,
                 Comment(rawValue: TestBed.unavailableReason.map { "test bed unavailable: \($0)" }
                                   ?? KernelFeatures.realKernelSkipText))
    }

    /// Runs where the kernel lacks XFS_IOC_VERIFY_MEDIA (so the emulator,
    /// Tests/Emulator, can stand in for it); skips where the real one answers.
    static var kernelLacksVerifyMedia: Self {
        .enabled(if: TestBed.unavailableReason == nil && !KernelFeatures.hasVerifyMedia,
                 Comment(rawValue: TestBed.unavailableReason.map { "test bed unavailable: \($0)" }
                                   ?? "this kernel has XFS_IOC_VERIFY_MEDIA: the test needs it missing"))
    }

    /// Runs where scsi_debug can be loaded (the guest); skips with the reason.
    static var scsiDebug: Self {
        .enabled(if: ScsiDebugDisk.unavailableReason == nil,
                 Comment(rawValue: "needs the scsi_debug module; runs in the guest suite: make test-guest"))
    }
}
