import Testing
@testable import VerifyMedia

@Suite("Parsing: sizes, durations, mountinfo, errno names, JSON text")
struct ParsingTests {
    @Test("sizes read K, M, G, T and KiB ... TiB as powers of 1024, KB ... TB as powers of 1000, as dd does")
    func sizes() throws {
        #expect(try Units.bytes("4096") == 4096)
        #expect(try Units.bytes("512K") == 512 << 10)
        #expect(try Units.bytes("512KiB") == 512 << 10)
        #expect(try Units.bytes("512KB") == 512_000)
        #expect(try Units.bytes("200M") == 200 << 20)
        #expect(try Units.bytes("200MiB") == 200 << 20)
        #expect(try Units.bytes("200MB") == 200_000_000)
        #expect(try Units.bytes("200m/s") == 200 << 20)
        #expect(try Units.bytes("200mb/s") == 200_000_000)
        #expect(try Units.bytes("1.5G") == 3 << 29)
        #expect(try Units.bytes("1GB") == 1_000_000_000)
        #expect(try Units.bytes("2T") == 2 << 40)
        #expect(try Units.bytes("2TB") == 2_000_000_000_000)
        #expect(try Units.bytes("4096B") == 4096)
        func problem(_ text: String) -> String? {
            do {
                _ = try Units.bytes(text)
                return nil
            } catch {
                return error.description
            }
        }
        for negative in ["-1", "-1M", "0", "0K"] { #expect(problem(negative) == "must be positive", "\(negative)") }
        for bad in ["", "M", "12Q", "1e3", "ten"] { #expect(problem(bad)?.hasPrefix("not a size") == true, "\(bad)") }
        #expect(problem("0.3K") == "not a whole number of bytes")
    }

    @Test("durations take s, m, h, d, w, mo, y")
    func durations() {
        #expect(Units.seconds("30d") == 30.0 * 86400)
        #expect(Units.seconds("12h") == 12.0 * 3600)
        #expect(Units.seconds("90m") == 90.0 * 60)
        #expect(Units.seconds("1mo") == 30.0 * 86400)
        #expect(Units.seconds("2w") == 14.0 * 86400)
        #expect(Units.seconds("45") == 45)
        for bad in ["", "d", "-3d", "3x"] { #expect(Units.seconds(bad) == nil, "\(bad)") }
    }

    @Test("mountinfo lines, with escaped spaces and super options")
    func mountinfo() throws {
        let line = #"36 25 7:0 / /mnt/with\040space rw,relatime shared:1 - xfs /dev/loop0 rw,attr2,logdev=/dev/loop1,rtdev=/dev/loop2,noquota"#
        let entry = try #require(MountTable.parse(Substring(line)))
        #expect(entry.major == 7 && entry.minor == 0)
        #expect(entry.mountPoint == "/mnt/with space")
        #expect(entry.fsType == "xfs")
        #expect(entry.source == "/dev/loop0")
        #expect(entry.superOptions["logdev"] == "/dev/loop1")
        #expect(entry.superOptions["rtdev"] == "/dev/loop2")
        // Optional fields before the separator vary in number.
        let noOptional = "40 25 8:1 / /data rw - xfs /dev/sda1 rw"
        #expect(MountTable.parse(Substring(noOptional))?.mountPoint == "/data")
        #expect(MountTable.parse("garbage") == nil)
    }

    @Test("errno names round-trip")
    func errnoNames() {
        for error in [Errno.EIO, .ENODATA, .EILSEQ, .ETIMEDOUT, .ETIME, .ENOLINK, .EREMOTEIO, .EINVAL] {
            #expect(Errno(name: error.name) == error)
        }
        #expect(Errno.ENODATA.name == "ENODATA")
        #expect(Errno(name: "61") == .ENODATA)
        #expect(Errno(name: "EWHATEVER") == nil)
    }

    @Test("errno classes: media, transport, device gone, operational")
    func errorClasses() {
        #expect([Errno.EIO, .ENODATA, .EILSEQ].allSatisfy { ErrorClass($0) == .media })
        #expect([Errno.ETIMEDOUT, .ETIME, .ENOLINK, .EREMOTEIO].allSatisfy { ErrorClass($0) == .transport })
        #expect([Errno.ENODEV, .ENXIO].allSatisfy { ErrorClass($0) == .deviceGone })
        #expect([Errno.EINVAL, .ENOMEM, .EPERM].allSatisfy { ErrorClass($0) == .operational })
    }

    @Test("JSON text keeps key order and escapes strings")
    func jsonText() {
        let value = JSONValue.object([("b", .integer(-1)), ("a", .string("q\"\\\n\u{1}")), ("n", .null),
                                      ("x", .array([.bool(true), .double(1.5), .unsigned(UInt64.max)]))])
        #expect(value.serialized() == """
        {
          "b": -1,
          "a": "q\\"\\\\\\n\\u0001",
          "n": null,
          "x": [
            true,
            1.5,
            18446744073709551615
          ]
        }
        """)
    }

    @Test("adjacent bad sectors with the same errno join into one range")
    func findingsCoalesce() {
        var findings = FindingsBook(device: .data)
        findings.addBad(ByteRange(512, 1024), .EIO, reportedToKernel: false)
        findings.addBad(ByteRange(1024, 1536), .EIO, reportedToKernel: false)
        findings.addBad(ByteRange(1536, 2048), .ENODATA, reportedToKernel: false)
        findings.addBad(ByteRange(2048, 2560), .ENODATA, reportedToKernel: true)
        #expect(findings.sorted().bad.map(\.range) == [ByteRange(512, 1536), ByteRange(1536, 2048), ByteRange(2048, 2560)])
    }

    @Test("the time left grows with the bytes read per byte verified (issue 11.12)")
    func progressEstimate() {
        // 100 MiB left; every verified byte took two bytes of reading (gaps,
        // retries); the disk reads 10 MiB/s: 20 s, not 5.
        let left = ThroughputWindow.secondsLeft(remaining: 100 << 20, done: 50 << 20, read: 100 << 20, readRate: Double(10 << 20))
        #expect(left == 20)
        #expect(ThroughputWindow.secondsLeft(remaining: 100 << 20, done: 0, read: 0, readRate: Double(10 << 20)) == 10)
        #expect(ThroughputWindow.secondsLeft(remaining: 100 << 20, done: 1, read: 1, readRate: 0) == nil)
    }
}
