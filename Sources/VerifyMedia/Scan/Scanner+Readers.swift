import Glibc

extension Scanner {
    /// Whether the kernel hears of the bad sectors: asked for, and the
    /// kernel has XFS_IOC_VERIFY_MEDIA (the kernel engine proves it).
    static func kernelReporting(_ options: ScanOptions, engine: EngineKind, mount: MountAccess) -> KernelReporting {
        guard options.kernelReport else { return .disabled }
        if engine == .kernel { return .enabled }
        let present = (try? mount.withDescriptor { fd throws(Errno) in VerifyMediaReader.probe(fd) == nil }) ?? false
        return present ? .enabled : .unavailable
    }

    /// The readers of one device for the engine.
    func readers(for pipeline: DevicePipeline, fd: FileDescriptor) -> DeviceReaders {
        let device = pipeline.device, tuning = pipeline.tuning
        let reporting = kernelReporting == .enabled
        var reader = VerifyMediaReader(mount: mount, device: device.role, maxIOSize: UInt32(min(tuning.ioSize, 1 << 20)),
                                       restMicroseconds: tuning.restMicroseconds)
        // Where the kernel cannot address the device (a zoned rt device
        // with gaps past the rt block count), the kernel engine reads with pread.
        if engine == .kernel,
           let end = (try? mount.withDescriptor { fd throws(Errno) in VerifyMediaReader.kernelEnd(of: device.role, fd) }) ?? nil,
           end < device.section.end {
            reader.kernelEnd = end
            reader.pastKernelEnd = PreadReader(fd: fd)
        }
        let kernel = reader
        let pread: @Sendable () throws(Errno) -> any BlockingReader = { PreadReader(fd: fd) }
        let reporter = reporting
            ? KernelReporter(reader: VerifyMediaReader(mount: mount, device: device.role, maxIOSize: UInt32(device.logicalSectorSize),
                                                       restMicroseconds: 0))
            : nil
        switch engine {
        case .kernel:
            return DeviceReaders(engine: .blocking(threads: tuning.queueDepth, { kernel }), pinpointReader: { kernel },
                                 reportingReads: reporting, reporter: nil)
        case .sync:
            return DeviceReaders(engine: .blocking(threads: tuning.queueDepth, pread), pinpointReader: pread,
                                 reportingReads: false, reporter: reporter)
        case .uring:
            return DeviceReaders(engine: .queued({ () throws(Errno) in
                try URingQueue(fd: fd, depth: tuning.queueDepth, ioSize: tuning.ioSize, idlePriority: tuning.idlePriority)
            }), pinpointReader: pread, reportingReads: false, reporter: reporter)
        case .aio:
            return DeviceReaders(engine: .queued({ () throws(Errno) in
                try AIOQueue(fd: fd, depth: tuning.queueDepth, ioSize: tuning.ioSize)
            }), pinpointReader: pread, reportingReads: false, reporter: reporter)
        }
    }
}
