// The scan core's fixes on the real Linux 7.x kernel (the guest suite,
// `make test-guest`): what the LD_PRELOAD emulator can only imitate.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite("RealKernel core: short advances, umount, kernel reports from every engine, removed devices", .serialized, .realKernel)
struct RealKernelCoreTests {
    /// Every sector named by a MEDIA_ERROR event of the data device, once per event.
    func mediaErrorSectors(_ events: [HealthEvent]) -> [UInt64] {
        events.flatMap { event -> [UInt64] in
            guard case let .mediaError(device, daddr, count) = event, device == "datadev" else { return [] }
            return Array(daddr ..< daddr + count)
        }
    }

    @Test("a short advance of XFS_IOC_VERIFY_MEDIA in a chunk of several extents is narrowed exactly (issue 9.3)")
    func shortAdvance() throws {
        try TestBed.with { bed in
            let bad = try shortAdvanceLayout(bed)
            try bed.data.arm(.eio, offset: bad, length: 512)
            let (run, report) = try scanJSON(bed, ["--engine", "kernel"])
            #expect(report.engine == "kernel")
            #expect(report.dataBadRanges == [DaddrRange(bytes: bad, length: 512)], "\(run)")
            #expect(run.status == ExitBit.media | ExitBit.fileData, "\(run)")
        }
    }

    @Test("umount during a kernel-engine scan succeeds; the scan stops with its checkpoint (issue 9.4)")
    func umountDuringKernelEngineScan() throws {
        try TestBed.with { bed in
            for index in 0..<3 { try bed.writeFile("big\(index)", size: 40 << 20, seed: UInt64(index)) }
            try bed.sync()
            let text = try unmountDuringScan(bed, ["--engine", "kernel", "--rate", "20M"])
            #expect(text.contains("was unmounted during the scan") && text.contains("kernel engine"), "\(text)")
        }
    }

    @Test("bad sectors io_uring finds reach the health monitor, once each; --no-kernel-report keeps them from it (issue 9.5)")
    func userspaceEngineReportsToTheKernel() throws {
        try TestBed.with { bed in
            try bed.writeFile("big", size: 4 << 20, seed: 1)
            try bed.writeFile("small", size: 4096, seed: 2)
            try bed.sync()
            let faults = [DaddrRange(bytes: try bed.physicalOffset("big", fileOffset: 1 << 20) + 1024, length: 1024),
                          DaddrRange(bytes: try bed.physicalOffset("small", fileOffset: 0), length: 512)].sorted()
            for fault in faults { try bed.data.arm(.eio, offset: fault.start * 512, length: fault.bytes) }
            let badSectors = Set(faults.flatMap { Array($0.start ..< $0.end) })

            let monitor = try HealthMonitorRecorder(mountPoint: bed.mountPoint)
            defer { monitor.stop() }
            let (run, report) = try scanJSON(bed, ["--engine", "uring"])
            #expect(report.engine == "uring" && report.dataBadRanges == faults, "\(run)")
            let json = try run.jsonObject()
            #expect(json["kernel_report"] as? String == "enabled", "\(run)")
            #expect((json["bad_ranges"] as? [[String: Any]])?.allSatisfy { $0["kernel_reported"] as? Bool == true } == true)
            let events = try monitor.events(waitingUpTo: .seconds(60), settle: .seconds(2)) {
                badSectors.isSubset(of: Set(mediaErrorSectors($0)))
            }
            var times: [UInt64: Int] = [:]
            for sector in mediaErrorSectors(events) { times[sector, default: 0] += 1 }
            #expect(Set(times.keys) == badSectors, "events: \(events)")
            #expect(times.values.allSatisfy { $0 == 1 }, "reported more than once: \(events)")

            let before = try monitor.events().count
            let (quietRun, _) = try scanJSON(bed, ["--engine", "uring", "--no-kernel-report"])
            #expect(try quietRun.jsonObject()["kernel_report"] as? String == "disabled")
            usleep(2_000_000)
            let after = try monitor.events()
            #expect(mediaErrorSectors(Array(after.dropFirst(before))).isEmpty, "--no-kernel-report told the kernel: \(after)")
        }
    }

    @Test("a device removed during a scan is named as removed; its failing reads are not bad sectors (issue 11.16)", .scsiDebug)
    func removedDevice() async throws {
        try await ScsiDebugDisk.with(sizeMiB: 320) { disk in
            try TestBed.with(TestBedOptions(dataDevice: disk.device)) { bed in
                try bed.writeFile("big", size: 160 << 20, seed: 3)
                try bed.sync()
                let output = bed.directory + "/scan.json", errors = bed.directory + "/scan.err"
                let progress = bed.directory + "/scan.progress"
                let scan = try spawnProcess(["/bin/sh", "-c", "exec \"$0\" --json --rate 40M -C 3 \"$1\" >\"$2\" 2>\"$3\" 3>\"$4\"",
                                             RepoPaths.binary, bed.mountPoint, output, errors, progress])
                try waitUntilReading(progress)
                let name = URL(fileURLWithPath: disk.device).lastPathComponent
                try runCommand(["sh", "-c", "echo 1 > /sys/block/\(name)/device/delete"]).check()
                let status = scan.wait(timeout: .seconds(60))
                let json = String(decoding: try readWholeFile(output), as: UTF8.self)
                let text = json + "\n--- stderr:\n" + String(decoding: try readWholeFile(errors), as: UTF8.self)
                #expect(status == ExitBit.operational, "\(text)")
                let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(text)")
                #expect(report["complete"] as? Bool == false)
                #expect((report["stop_reason"] as? String)?.contains("was removed during the scan") == true, "\(text)")
                #expect((report["bad_ranges"] as? [Any])?.isEmpty == true, "a removed device's reads were called bad: \(text)")
            }
        }
    }
}
