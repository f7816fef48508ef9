// The test bed itself: faults really reach readers of the loop device, the
// counters count, every shape of test bed mounts, and nothing is left behind.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

@Suite(.serialized, .enabled(if: TestBed.unavailableReason == nil,
                             Comment(rawValue: "test bed unavailable: \(TestBed.unavailableReason ?? "")")))
struct TestBedTests {
    /// A byte offset on the data device 64 KiB into `relative`'s first written
    /// extent, with at least `span` more bytes of that extent after it.
    func sectorInside(_ bed: TestBed, _ relative: String, span: UInt64 = 64 << 10) throws -> UInt64 {
        try placeInside(bed, relative, span: span).device
    }

    /// Like `sectorInside`, with the file offset of that byte too.
    func placeInside(_ bed: TestBed, _ relative: String, span: UInt64 = 64 << 10) throws -> (device: UInt64, file: UInt64) {
        let extents = try bed.fileExtents(relative)
        let extent = try #require(extents.first { $0.length >= 64 << 10 + span && !$0.isUnwritten }, "\(extents)")
        return (extent.physical + 64 << 10, extent.fileOffset + 64 << 10)
    }

    @Test func eioSectorFailsNeighboursRead() throws {
        try TestBed.with { bed in
            try bed.writeFile("victim", size: 1 << 20)
            let (sector, fileOffset) = try placeInside(bed, "victim")
            // The chosen sector belongs to the file in the space map too.
            let inode = try bed.inode("victim")
            #expect(try bed.fsmap().contains { $0.inode == inode && $0.byteRange.contains(sector) })

            try bed.data.arm(.eio, offset: sector, length: 512)
            try bed.data.resetCounters()
            let bad = try bed.data.readDirect(offset: sector, length: 512)
            #expect(bad.errno == EIO, "\(bad)")
            let after = try bed.data.readDirect(offset: sector + 512, length: 512)
            let before = try bed.data.readDirect(offset: sector - 512, length: 512)
            #expect(after.succeeded && before.succeeded, "\(before) / \(after)")
            // The neighbour holds the file's bytes.
            #expect(after.data == patternBytes(offset: Int(fileOffset) + 512, count: 512, seed: 1))

            let faults = try bed.data.faults()
            #expect(faults.count == 1)
            #expect(faults.first?.kind == "eio")
            #expect(faults.first?.start == sector && faults.first?.length == 512)
            #expect(faults.first?.reads == 1 && faults.first?.failures == 1, "\(faults)")
            // A larger read that touches the sector fails as a whole.
            #expect(try bed.data.readDirect(offset: sector - 4096 * 2, length: 1 << 16).errno == EIO)
            try bed.data.clearFaults()
            #expect(try bed.data.readDirect(offset: sector, length: 512).succeeded)
            #expect(try bed.data.faults().isEmpty)
        }
    }

    @Test func errnoFlakySlowAndReadMap() throws {
        try TestBed.with { bed in
            try bed.writeFile("dir/file", size: 2 << 20, seed: 7)
            let base = try sectorInside(bed, "dir/file", span: 512 << 10)
            let enodata = base, flaky = base + 64 << 10, slow = base + 128 << 10, mapped = base + 256 << 10

            try bed.data.arm(.errno("ENODATA"), offset: enodata, length: 512)
            #expect(try bed.data.readDirect(offset: enodata, length: 512).errno == ENODATA)

            try bed.data.arm(.flaky(failures: 1), offset: flaky, length: 512)
            #expect(try bed.data.readDirect(offset: flaky, length: 512).errno == EIO)
            #expect(try bed.data.readDirect(offset: flaky, length: 512).succeeded)

            try bed.data.arm(.slow(milliseconds: 200), offset: slow, length: 512)
            let delayed = try bed.data.readDirect(offset: slow, length: 512)
            #expect(delayed.succeeded && delayed.elapsed >= .milliseconds(200), "\(delayed)")

            #expect(try bed.data.faults().map(\.kind) == ["errno:ENODATA", "flaky:1", "slow:200"])
            #expect(try bed.data.faults().map(\.failures) == [1, 1, 0])

            try bed.data.resetCounters()
            #expect(try bed.data.faults().map(\.reads) == [0, 0, 0])
            #expect(try bed.data.readDirect(offset: mapped, length: 8 * 512).succeeded)
            let map = try bed.data.readMap()
            let first = Int(mapped / 512)
            #expect(map.count == Int(bed.options.size / 512))
            #expect(Array(map[first..<first + 8]) == Array(repeating: 1, count: 8))
            #expect(map[first - 1] == 0 && map[first + 8] == 0)
            #expect(try bed.data.totals().bytes >= 8 * 512)
        }
    }

    @Test func fourKiBLogicalSectors() throws {
        try TestBed.with(TestBedOptions(logicalSectorSize: 4096)) { bed in
            #expect(try mountTable().contains { $0.mountPoint == bed.mountPoint && $0.type == "xfs" })
            #expect(bed.data.logicalSectorSize == 4096)
            let name = (bed.data.device as NSString).lastPathComponent
            let reported = String(decoding: try readWholeFile("/sys/block/\(name)/queue/logical_block_size"), as: UTF8.self)
            #expect(reported.trimmingCharacters(in: .whitespacesAndNewlines) == "4096")

            try bed.writeFile("f", size: 1 << 20)
            let sector = try sectorInside(bed, "f")
            // Reads smaller than a logical sector are refused by the block layer.
            #expect(try bed.data.readDirect(offset: sector, length: 512).errno == EINVAL)
            // A 512-byte fault fails the whole 4 KiB sector that holds it.
            try bed.data.arm(.eio, offset: sector + 1024, length: 512)
            #expect(try bed.data.readDirect(offset: sector, length: 4096).errno == EIO)
            #expect(try bed.data.readDirect(offset: sector + 4096, length: 4096).succeeded)
        }
    }

    @Test func externalLog() throws {
        try TestBed.with(TestBedOptions(externalLogSize: 64 << 20)) { bed in
            let log = try #require(bed.log)
            #expect(bed.realtime == nil)
            #expect(log.device != bed.data.device && log.controlPath != nil && log.controlPath != bed.data.controlPath)
            let mount = try #require(try mountTable().first { $0.mountPoint == bed.mountPoint })
            #expect(mount.superOptions.contains("logdev=\(log.device)"))
            #expect(try bed.fsmap(allDevices: true).contains { $0.owner == "journalling log" })
            #expect(try !bed.fsmap().contains { $0.owner == "journalling log" })

            try log.arm(.eio, offset: 4096, length: 512)
            #expect(try log.readDirect(offset: 4096, length: 512).errno == EIO)
            #expect(try bed.data.readDirect(offset: 4096, length: 512).succeeded)
            #expect(try log.faults().first?.failures == 1 && bed.data.faults().isEmpty)
        }
    }

    @Test(.enabled(if: TestBed.realtimeUnavailableReason == nil,
                   Comment(rawValue: "no realtime test bed: \(TestBed.realtimeUnavailableReason ?? "")")))
    func externalLogAndRealtime() throws {
        try TestBed.with(TestBedOptions(externalLogSize: 64 << 20, realtimeSize: 64 << 20)) { bed in
            let log = try #require(bed.log), rt = try #require(bed.realtime)
            #expect(Set([bed.data.device, log.device, rt.device]).count == 3)
            #expect(Set([bed.data.controlPath, log.controlPath, rt.controlPath].compactMap { $0 }).count == 3)
            let mount = try #require(try mountTable().first { $0.mountPoint == bed.mountPoint })
            #expect(mount.superOptions.contains("rtdev=\(rt.device)"))
            try rt.arm(.eio, offset: 0, length: 512)
            #expect(try rt.readDirect(offset: 0, length: 512).errno == EIO)
        }
    }

    @Test func withoutFaultDisk() throws {
        try TestBed.with(TestBedOptions(faultDisk: false)) { bed in
            #expect(bed.data.controlPath == nil && bed.data.readMapPath == nil)
            #expect(throws: TestBedError.self) { try bed.data.arm(.eio, offset: 0, length: 512) }
            let name = (bed.data.device as NSString).lastPathComponent
            let backing = String(decoding: try readWholeFile("/sys/block/\(name)/loop/backing_file"), as: UTF8.self)
            #expect(backing.hasPrefix(bed.directory + "/data.img"))
            try bed.writeFile("x", size: 4096)
        }
    }

    @Test func fileHelpers() throws {
        try TestBed.with { bed in
            try bed.writeFile("a/b/original", size: 300_000, seed: 3)
            #expect(try readWholeFile(bed.path("a/b/original")) == patternBytes(count: 300_000, seed: 3))

            try bed.reflink("a/b/original", "copy")
            let original = try bed.fileExtents("a/b/original"), copy = try bed.fileExtents("copy")
            #expect(!original.isEmpty && original.allSatisfy(\.isShared))
            #expect(copy.map(\.physical) == original.map(\.physical))

            try bed.hardlink("a/b/original", "link")
            #expect(try bed.inode("link") == bed.inode("a/b/original"))

            try bed.writeFragmentedFile("fragmented", extents: 8, extentSize: 64 << 10)
            let extents = try bed.fileExtents("fragmented")
            #expect(extents.count >= 8)
            #expect(extents.reduce(0) { $0 + $1.length } == 8 * 64 << 10)
            #expect(try readWholeFile(bed.path("fragmented")) == patternBytes(count: 8 * 64 << 10, seed: 1))
            #expect(try !FileManager.default.contentsOfDirectory(atPath: bed.mountPoint).contains { $0.hasPrefix(".filler") })
            // The space map names the file's inode for each of its extents.
            let inode = try bed.inode("fragmented")
            let rows = try bed.fsmap().filter { $0.inode == inode }
            for extent in extents {
                #expect(rows.contains { $0.byteRange.contains(extent.physical) })
            }

            let echoed = try bed.run(["sh", "-c", "cat; echo \"$MNT\""], stdin: "in\n")
            #expect(echoed.stdout == "in\n\(bed.mountPoint)\n")
            try bed.dropCaches()
            try bed.unmount()
            #expect(try !mountTable().contains { $0.mountPoint == bed.mountPoint })
        }
    }

    @Test func runCommandDoesNotBlockOnFullPipes() throws {
        // 1 MiB on stdout and stderr each, and a background child that keeps them open.
        let result = try runCommand(["sh", "-c", "head -c 1048576 /dev/zero; head -c 1048576 /dev/zero >&2; sleep 30 & exit 3"],
                                    timeout: .seconds(20))
        #expect(result.status == 3 && !result.timedOut)
        #expect(result.stdout.utf8.count == 1 << 20 && result.stderr.utf8.count == 1 << 20)
        let slow = try runCommand(["sleep", "10"], timeout: .milliseconds(100))
        #expect(slow.timedOut && slow.status == 128 + SIGKILL)
    }

    // MARK: Teardown

    struct Boom: Error {}

    @Test func teardownWhenTheBodyThrows() throws {
        var directory = ""
        var devices: [String] = []
        #expect(throws: Boom.self) {
            try TestBed.with(TestBedOptions(externalLogSize: 64 << 20)) { bed in
                directory = bed.directory
                devices = [bed.data.device, bed.log?.device ?? ""]
                #expect(!TestBed.leftovers(of: bed.directory).isEmpty)
                throw Boom()
            }
        }
        #expect(!directory.isEmpty)
        expectNothingLeft(of: directory)
        let losetup = try runCommand(["losetup", "-a"])
        #expect(!losetup.stdout.contains(directory), "\(losetup.stdout)")
        for device in devices {
            let j = try runCommand(["losetup", "-l", "-n", "-O", "BACK-FILE", device])
            #expect(!j.stdout.contains(directory))
        }
    }

    @Test func reapAfterTheOwnerIsKilled() throws {
        let owner = try spawnProcess(["sleep", "120"])
        let directory = RepoPaths.testbedBase + "/reap-test-\(UUID().uuidString.prefix(8))"
        let up = try runCommand([RepoPaths.testbedScript, "up", directory, "--owner", String(owner.pid)])
        guard up.succeeded else {
            owner.kill()
            owner.wait()
            Issue.record("\(up)")
            return
        }
        #expect(up.stdout.trimmingCharacters(in: .newlines) == directory)
        #expect(try mountTable().contains { $0.mountPoint == directory + "/mnt" })
        // A live owner keeps it.
        try runCommand([RepoPaths.testbedScript, "reap"]).check()
        #expect(FileManager.default.fileExists(atPath: directory + "/env"))
        let list = try runCommand([RepoPaths.testbedScript, "list"])
        #expect(list.stdout.contains(directory))

        owner.kill(SIGKILL)
        owner.wait()
        try runCommand([RepoPaths.testbedScript, "reap"]).check()
        expectNothingLeft(of: directory)

        // A bed without env is reaped too, once it is not being built any more (30 s).
        let stale = RepoPaths.testbedBase + "/stale-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: stale + "/data.fuse", withIntermediateDirectories: true)
        try runCommand(["touch", "-d", "1 hour ago", stale]).check()
        try runCommand([RepoPaths.testbedScript, "reap"]).check()
        expectNothingLeft(of: stale)
    }

    @Test func downTwiceAndDownOfHalfBuiltBeds() throws {
        let script = RepoPaths.testbedScript
        // Twice.
        let twice = RepoPaths.testbedBase + "/twice-\(UUID().uuidString.prefix(8))"
        try runCommand([script, "up", twice, "--owner", String(getpid())]).check()
        try runCommand([script, "down", twice]).check()
        try runCommand([script, "down", twice]).check()
        expectNothingLeft(of: twice)

        // Only a mounted fault disk with a loop device on it, no env: made by hand.
        let manual = RepoPaths.testbedBase + "/manual-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: manual + "/data.fuse", withIntermediateDirectories: true)
        try runCommand(["truncate", "-s", "64M", manual + "/data.img"]).check()
        let daemon = try spawnProcess([RepoPaths.faultDisk, manual + "/data.img", manual + "/data.fuse", "-f"])
        var daemonReaped = false
        defer {
            if !daemonReaped {
                daemon.kill(SIGKILL)
                daemon.wait()
            }
        }
        try waitFor("the fault disk to mount") { try mountTable().contains { $0.mountPoint == manual + "/data.fuse" } }
        try runCommand(["losetup", "--direct-io=on", "-f", "--show", manual + "/data.fuse/disk"]).check()
        #expect(TestBed.leftovers(of: manual).count >= 3)
        try runCommand([script, "down", manual]).check()
        expectNothingLeft(of: manual)
        daemonReaped = daemon.wait(timeout: .seconds(5)) != nil
        #expect(daemonReaped, "the fault disk process is still running")

        // `up` killed at various points of its way.
        for delay in [0, 10, 25, 50, 80] {
            let dir = RepoPaths.testbedBase + "/killed-\(delay)-\(UUID().uuidString.prefix(8))"
            let up = try spawnProcess([script, "up", dir, "--logdev", "64M", "--owner", String(getpid())])
            usleep(UInt32(delay * 1000))
            up.kill(SIGKILL)
            up.wait()
            try runCommand([script, "down", dir]).check()
            expectNothingLeft(of: dir)
        }
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(5), _ condition: () throws -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while try !condition() {
            guard ContinuousClock.now < deadline else { throw TestBedError("timed out waiting for \(what)") }
            usleep(20_000)
        }
    }

    func expectNothingLeft(of directory: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let left = TestBed.leftovers(of: directory)
        #expect(left.isEmpty, "left behind: \(left)", sourceLocation: sourceLocation)
    }
}
