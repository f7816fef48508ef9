// Spinning disks and several devices on real test beds: the fault disk's
// seek model, what the scan does on a device that says it is rotational,
// and the devices of one filesystem read side by side.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite("Spinning disks and several devices: seek model, sweep order, devices in parallel", .serialized,
       .enabled(if: Harness.unavailableReason == nil, "\(Harness.unavailableReason ?? "")"))
struct SpinningDiskTests {
    @Test("the fault disk's seek model charges a read far from the last one by its distance, and nothing for the next one in line")
    func seekModelChargesDistance() throws {
        try TestBed.with { bed in
            try bed.data.setSeekModel(baseMicroseconds: 1000, microsecondsPerGiB: 2000, near: 1 << 20)
            #expect(try bed.data.readDirect(offset: 64 << 20, length: 4096).succeeded)
            try bed.data.resetCounters()
            #expect(try bed.data.readDirect(offset: (64 << 20) + 4096, length: 4096).succeeded)
            #expect(try bed.data.seeks()?.count == 0, "the next sector in line costs no seek")
            #expect(try bed.data.readDirect(offset: 320 << 20, length: 4096).succeeded)
            let distance = Double((320 << 20) - (64 << 20) - 8192)
            let expected = 1000 + UInt64(distance / Double(1 << 30) * 2000)
            let seeks = try #require(try bed.data.seeks())
            #expect(seeks.count == 1 && seeks.waitedMicroseconds == expected, "\(seeks), expected 1 and \(expected)")
            #expect(try bed.data.readDirect(offset: (64 << 20) + (512 << 10), length: 4096).succeeded)
            #expect(try bed.data.seeks()?.count == 2, "and back again")
            try bed.data.disableSeekModel()
            #expect(try bed.data.seeks() == nil)
        }
    }

    @Test("a device that says it is rotational is read in one sweep by one planning thread; flash by a thread per group")
    func rotationalFlagChoosesTheOrder() throws {
        for rotational in [true, false] {
            var options = TestBedOptions(faultDisk: false)
            options.rotational = rotational
            try TestBed.with(options) { bed in
                for index in 0..<8 { try bed.writeFile("dir\(index)/file", size: 4 << 20, seed: UInt64(index)) }
                try bed.sync()
                let run = try runTool(["--json", "--bench", bed.mountPoint])
                #expect(run.status == 0, "\(run)")
                let plan = try #require((try run.jsonObject()["plan"] as? [[String: Any]])?.first, "\(run)")
                #expect(plan["order"] as? String == (rotational ? "sweep" : "nearest"))
                #expect(plan["planning_threads"] as? Int == (rotational ? 1 : 4))
                let devices = try #require(try run.jsonObject()["devices"] as? [[String: Any]])
                #expect(devices.first?["rotational"] as? Bool == rotational)
            }
        }
    }

    @Test("the data and log devices of one filesystem are read at the same time, not one after the other")
    func devicesAreReadInParallel() throws {
        try TestBed.with(TestBedOptions(externalLogSize: 64 << 20)) { bed in
            let log = try #require(bed.log)
            try bed.writeFile("a", size: 64 << 20)
            try bed.sync()
            // Every read of either device takes 100 ms: each is being read for
            // a while, and the scan would take twice as long one after the other.
            try bed.data.arm(.slow(milliseconds: 100), offset: 0, length: bed.options.size)
            try log.arm(.slow(milliseconds: 100), offset: 0, length: 64 << 20)
            let inflight = { (device: String) -> Int in
                let text = String(decoding: (try? readWholeFile("/sys/block/\(device.split(separator: "/").last!)/inflight")) ?? [],
                                  as: UTF8.self)
                return text.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.reduce(0, +)
            }
            let output = bed.directory + "/scan.out"
            let scan = try spawnProcess([RepoPaths.binary, "--json", bed.mountPoint], outputPath: output)
            var both = false
            var status: Int32?
            for _ in 0..<240_000 where !both && status == nil {
                if inflight(bed.data.device) > 0 && inflight(log.device) > 0 { both = true }
                status = scan.wait(timeout: .zero)
                usleep(500)
            }
            status = status ?? scan.wait(timeout: .seconds(120))
            #expect(status == 0, "\(String(decoding: (try? readWholeFile(output)) ?? [], as: UTF8.self))")
            #expect(both, "the data and log devices never had reads in flight at the same time")
        }
    }
}
