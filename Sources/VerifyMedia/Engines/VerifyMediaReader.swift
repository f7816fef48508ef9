import CXFS
import Glibc

/// Reads through the kernel: XFS_IOC_VERIFY_MEDIA (Linux 7.0) reads a
/// device range one bio at a time and, with XFS_VERIFY_MEDIA_REPORT,
/// tells the health monitor (and so xfs_healer and fanotify) about media
/// errors. The kernel stops at the first failing bio: `me_ioerror` says
/// why only when nothing was verified before it; otherwise the call just
/// returns early (a short advance) and the caller asks again from there.
struct VerifyMediaReader: BlockingReader {
    let mount: MountAccess
    let device: DeviceRole
    let maxIOSize: UInt32
    let restMicroseconds: UInt32
    /// Where the kernel's view of the device ends, in bytes, and how bytes
    /// past it are read instead: the kernel sizes a zoned rt device by the
    /// filesystem's rt block count, so with zone gaps its last groups are
    /// out of its reach (Linux 7.2) while the disk reads them fine.
    var kernelEnd: UInt64 = .max
    var pastKernelEnd: PreadReader? = nil

    func read(_ range: ByteRange, into buffer: AlignedBuffer, report: Bool) -> ReadOutcome {
        guard let pastKernelEnd, range.end > kernelEnd else { return verify(range, report: report) }
        if range.start >= kernelEnd { return pastKernelEnd.read(range, into: buffer, report: report) }
        let head = verify(ByteRange(range.start, kernelEnd), report: report)
        guard head == .complete else { return head }
        let verified = Int(kernelEnd - range.start)
        switch pastKernelEnd.read(ByteRange(kernelEnd, range.end), into: buffer, report: report) {
        case .complete: return .complete
        case .partial(let count, let error): return .partial(verified: verified + count, error: error)
        case .failed(let error): return .partial(verified: verified, error: error)
        }
    }

    private func verify(_ range: ByteRange, report: Bool) -> ReadOutcome {
        var request = xfs_verify_media()
        request.me_dev = device.xfsDevice
        request.me_flags = report ? UInt32(XFS_VERIFY_MEDIA_REPORT) : 0
        request.me_start_daddr = range.start >> 9
        request.me_end_daddr = range.end >> 9
        request.me_max_io_size = maxIOSize
        request.me_rest_us = restMicroseconds
        do {
            try mount.withDescriptor { fd throws(Errno) in try fd.ioctl(CXFS_XFS_IOC_VERIFY_MEDIA, &request) }
        } catch {
            return .failed(error)
        }
        let verified = Int((request.me_start_daddr - (range.start >> 9)) << 9)
        if request.me_ioerror != 0 {
            return verified == 0 ? .failed(Errno(Int32(request.me_ioerror))) : .partial(verified: verified, error: Errno(Int32(request.me_ioerror)))
        }
        if request.me_start_daddr >= range.end >> 9 { return .complete }
        // The kernel clamps the end to the device size: a shrunken device.
        if request.me_end_daddr < range.end >> 9 && request.me_start_daddr >= request.me_end_daddr {
            return verified == 0 ? .failed(.ENXIO) : .partial(verified: verified, error: .ENXIO)
        }
        return .partial(verified: verified, error: nil)
    }

    /// The end of `device` as the kernel sees it, in bytes: it clamps the
    /// end of a range to it, and an empty range past it reads nothing.
    static func kernelEnd(of device: DeviceRole, _ mount: FileDescriptor) -> UInt64? {
        var request = xfs_verify_media()
        request.me_dev = device.xfsDevice
        request.me_start_daddr = 1 << 50
        request.me_end_daddr = 1 << 50
        guard (try? mount.ioctl(CXFS_XFS_IOC_VERIFY_MEDIA, &request)) != nil else { return nil }
        return request.me_end_daddr << 9
    }

    /// Whether the running kernel has XFS_IOC_VERIFY_MEDIA: an empty range
    /// aligned to any sector size (start = end = 0) returns 0 when it does.
    static func probe(_ mount: FileDescriptor) -> Errno? {
        var request = xfs_verify_media()
        request.me_dev = DeviceRole.data.xfsDevice
        do {
            try mount.ioctl(CXFS_XFS_IOC_VERIFY_MEDIA, &request)
            return nil
        } catch {
            return error
        }
    }
}
