// testbed/guest itself: a command in the Linux 7.x guest returns its status
// and output, sees the checkout, and leaves nothing behind, not even when it
// runs past its timeout. And, inside the guest suite, a guard that the
// guest's kernel really answers the probes (else every real-kernel test
// would skip and the suite would pass having tested nothing).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

enum Guest {
    static var script: String { RepoPaths.root + "/testbed/guest" }

    /// nil when `testbed/guest run` can work here (inside the guest: never).
    static let unavailableReason: String? = {
        if KernelFeatures.guestKernel != nil { return "already inside the guest" }
        guard let check = try? runCommand([script, "check"], timeout: .seconds(60)) else { return "\(script) cannot run" }
        return check.succeeded ? nil : check.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    /// Processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { $0.allSatisfy(\.isNumber) && $0 != String(getpid()) }.compactMap { pid in
            guard let bytes = try? readWholeFile("/proc/\(pid)/cmdline") else { return nil }
            let argv = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            return argv.contains { $0.contains(text) } ? "\(pid): \(argv.joined(separator: " "))" : nil
        }
    }
}

@Suite("testbed/guest: commands in the Linux 7.x guest", .serialized,
       .enabled(if: Guest.unavailableReason == nil, Comment(rawValue: "guest unavailable: \(Guest.unavailableReason ?? "")")))
struct GuestTests {
    /// A run base of its own, so leftovers are this test's alone.
    func withRunBase<T>(_ body: (String) throws -> T) throws -> T {
        let base = "/var/tmp/xvm-guest-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let result = try body(base)
        #expect(Guest.processes(mentioning: base).isEmpty, "left running: \(Guest.processes(mentioning: base))")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        #expect(left.filter { $0.hasPrefix("run-") }.isEmpty, "run directories left: \(left)")
        return result
    }

    @Test("a command runs as root on the guest's kernel, sees the checkout, and returns its status and output")
    func statusOutputAndShares() throws {
        let shared = "/var/tmp/xvm-guest-rw-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: shared) }
        let script = """
            echo "kernel=$(uname -r) guest=$XVM_GUEST uid=$(id -u)"
            test -x \(RepoPaths.binary) && echo checkout-visible
            echo kept > \(shared)/written; echo lost > \(RepoPaths.root)/.guest-test-discarded
            echo to-stderr >&2
            exit 7
            """
        let result = try withRunBase { base in
            try runCommand([Guest.script, "run", "--timeout", "300", "--rw", shared, "--", "sh", "-c", script],
                           environment: ["XVM_GUEST_RUNDIR": base], timeout: .seconds(400))
        }
        #expect(result.status == 7, "\(result)")
        let fields = result.stdout.split(separator: "\n").first?.split(separator: " ") ?? []
        let kernel = fields.first { $0.hasPrefix("kernel=") }?.dropFirst("kernel=".count)
        let guest = fields.first { $0.hasPrefix("guest=") }?.dropFirst("guest=".count)
        var host = utsname()
        uname(&host)
        let hostRelease = withUnsafeBytes(of: host.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        #expect(kernel != nil && kernel == guest && kernel.map(String.init) != hostRelease, "\(result.stdout)")
        #expect(fields.contains("uid=0"), "\(result.stdout)")
        #expect(result.stdout.contains("checkout-visible"), "\(result.stdout)")
        #expect(result.stderr.contains("to-stderr"), "\(result.stderr)")
        #expect(result.stderr.contains("booting Linux \(guest ?? "?")"), "the run says which kernel: \(result.stderr)")
        #expect(try String(contentsOfFile: shared + "/written", encoding: .utf8) == "kept\n")
        #expect(access(RepoPaths.root + "/.guest-test-discarded", F_OK) != 0, "writes outside --rw stay in the guest")
    }

    @Test("past its timeout the guest is stopped, exit 124, and nothing is left behind")
    func timeout() throws {
        let result = try withRunBase { base in
            try runCommand([Guest.script, "run", "--timeout", "5", "--", "sleep", "600"],
                           environment: ["XVM_GUEST_RUNDIR": base], timeout: .seconds(300))
        }
        #expect(result.status == 124, "\(result)")
        #expect(result.stderr.contains("timed out after 5 s"), "\(result.stderr)")
    }
}

@Suite("RealKernel guard: inside the guest the kernel answers the probes",
       .enabled(if: KernelFeatures.guestKernel != nil, "runs only inside the guest suite"))
struct RealKernelGuardTests {
    @Test("XFS_IOC_VERIFY_MEDIA and the health monitor answer on the guest's kernel")
    func guestKernelAnswers() {
        let answers = KernelFeatures.answers
        #expect(answers.probeError == nil, "\(answers.probeError ?? "")")
        #expect(answers.verifyMedia, "XFS_IOC_VERIFY_MEDIA does not answer on \(KernelFeatures.guestKernel ?? "?")")
        #expect(answers.healthMonitor, "the health monitor does not answer on \(KernelFeatures.guestKernel ?? "?")")
    }
}
