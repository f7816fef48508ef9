import Testing
@testable import VerifyMedia

@Suite("Parsing: sizes, durations, mountinfo, errno names, JSON text")
struct ParsingTests {
    @Test("sizes take K, M, G, T suffixes in powers of 1024")
    func sizes() {
        #expect(Units.bytes("4096") == 4096)
        #expect(Units.bytes("512K") == 512 << 10)
        #expect(Units.bytes("200M") == 200 << 20)
        #expect(Units.bytes("200MiB") == 200 << 20)
        #expect(Units.bytes("200m/s") == 200 << 20)
        #expect(Units.bytes("1.5G") == 3 << 29)
        #expect(Units.bytes("2T") == 2 << 40)
        for bad in ["", "M", "-1M", "0", "12Q", "1e3", "ten"] { #expect(Units.bytes(bad) == nil, "\(bad)") }
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
        let findings = Findings()
        findings.recordBad(.data, ByteRange(512, 1024), .EIO)
        findings.recordBad(.data, ByteRange(1024, 1536), .EIO)
        findings.recordBad(.data, ByteRange(1536, 2048), .ENODATA)
        findings.recordBad(.log, ByteRange(2048, 2560), .ENODATA)
        #expect(findings.snapshot().bad.map(\.range) == [ByteRange(512, 1536), ByteRange(1536, 2048), ByteRange(2048, 2560)])
    }
}
