// A scsi_debug disk (a RAM-backed SCSI disk of the kernel's scsi_debug module)
// whose medium errors are real: reads of the chosen sectors fail in the
// SCSI layer with MEDIUM ERROR, which the block layer returns as ENODATA.
// One scsi_debug disk exists at a time (the module's parameters are global).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class ScsiDebugDisk: Sendable {
    /// The disk, e.g. /dev/sda.
    public let device: String
    public let logicalSectorSize: Int

    static let parameters = "/sys/module/scsi_debug/parameters"
    static let options = "/sys/bus/pseudo/drivers/scsi_debug/opts"
    /// scsi_debug's opts bit that turns medium errors on (SDEBUG_OPT_MEDIUM_ERR).
    static let mediumErrorOption = 2

    /// nil when scsi_debug can be loaded here; else why not.
    public static var unavailableReason: String? { cachedReason }

    private static let cachedReason: String? = {
        if getuid() != 0 { return "scsi_debug needs root" }
        if access(parameters, F_OK) == 0 { return "scsi_debug is already loaded (by someone else)" }
        guard let dry = try? runCommand(["modprobe", "-n", "scsi_debug"]), dry.succeeded else {
            return "this kernel has no scsi_debug module"
        }
        return nil
    }()

    /// Loads scsi_debug with one disk of `sizeMiB` (XFS needs more than 300 MB),
    /// runs `body`, and unloads it; unmount what is on it inside `body`
    /// (a `TestBed.with` on `device` does).
    /// `parameters`: more of the module's, e.g. a host-managed zoned disk
    /// (`zbc=managed zone_size_mb=16 zone_cap_mb=12 zone_nr_conv=0`).
    public static func with<T>(sizeMiB: Int = 320, sectorSize: Int = 512, parameters: [String] = [],
                               isolation: isolated (any Actor)? = #isolation,
                               _ body: (ScsiDebugDisk) async throws -> T) async throws -> T {
        if let reason = unavailableReason { throw TestBedError(reason) }
        let disk = try load(sizeMiB: sizeMiB, sectorSize: sectorSize, parameters: parameters)
        let result: T
        do {
            result = try await body(disk)
        } catch {
            try? unload()
            throw error
        }
        try unload()
        return result
    }

    init(device: String, logicalSectorSize: Int) {
        self.device = device
        self.logicalSectorSize = logicalSectorSize
    }

    static func load(sizeMiB: Int, sectorSize: Int, parameters: [String]) throws -> ScsiDebugDisk {
        try runCommand(["modprobe", "sd_mod"]).check()
        try runCommand(["modprobe", "scsi_debug", "dev_size_mb=\(sizeMiB)", "sector_size=\(sectorSize)", "opts=0",
                        "medium_error_count=0"] + parameters).check()
        // The sd driver names the disk a moment later; no udev needed (devtmpfs).
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let hosts = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pseudo/drivers/scsi_debug")) ?? []
            for adapter in hosts where adapter.hasPrefix("adapter") {
                let base = "/sys/bus/pseudo/drivers/scsi_debug/\(adapter)"
                if let names = try? runCommand(["sh", "-c", "ls \(base)/host*/target*/*/block/ 2>/dev/null"]),
                   let name = names.stdout.split(separator: "\n").first, access("/dev/\(name)", F_OK) == 0 {
                    return ScsiDebugDisk(device: "/dev/\(name)", logicalSectorSize: sectorSize)
                }
            }
            usleep(100_000)
        }
        try? unload()
        throw TestBedError("scsi_debug loaded but no disk appeared within 30 s")
    }

    static func unload() throws {
        var last: CommandResult?
        for _ in 0..<50 {
            let result = try runCommand(["modprobe", "-r", "scsi_debug"])
            if result.succeeded { return }
            last = result
            usleep(100_000)
        }
        throw TestBedError("cannot unload scsi_debug: \(last?.description ?? "")")
    }

    /// From now on, reads touching logical sectors [start, start + count)
    /// fail with a medium error (ENODATA); other reads are unaffected.
    public func setMediumErrors(start: UInt64, count: UInt64) throws {
        try writeToFile(Self.parameters + "/medium_error_start", "\(start)\n")
        try writeToFile(Self.parameters + "/medium_error_count", "\(count)\n")
        try writeToFile(Self.options, "\(Self.mediumErrorOption)\n")
    }

    /// Reads succeed everywhere again.
    public func clearMediumErrors() throws {
        try writeToFile(Self.options, "0\n")
    }

    /// One O_DIRECT read of the disk (see `directRead`).
    public func readDirect(offset: UInt64, length: Int) throws -> DirectReadResult {
        try directRead(device, offset: offset, length: length)
    }
}
