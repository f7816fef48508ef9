// The product as installed: the release binary, installed the way `make
// install` does, runs without the Swift toolchain and stays small; `make deb`
// packages exactly what `make install` installs; and the package installs,
// runs, scans and purges on a clean Debian 12 root (debootstrap, cached).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

enum Packaging {
    /// The release build (`make release`), not the debug build the other
    /// tests use; in its own directory, as .build/release follows the
    /// configuration built last.
    static var release: String {
        var names = utsname()
        uname(&names)
        let machine = withUnsafeBytes(of: names.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return RepoPaths.root + "/.build/\(machine)-unknown-linux-gnu/release/xfs_verify_media"
    }
    static let releaseMissing: String? = access(release, X_OK) == 0 ? nil : "\(release) is not built (make release)"
    static var debianRoot: String { RepoPaths.root + "/packaging/debian-root" }
    /// A storage tool should not weigh more (issue 12).
    static let maximumBytes = 15_000_000
    /// What the binary may link: the runtime dependencies of the package.
    static let allowedLibraries: Set<String> = ["libaio.so.1", "liburing.so.2", "libc.so.6", "libm.so.6", "libstdc++.so.6",
                                                "libgcc_s.so.1", "ld-linux-x86-64.so.2"]
    /// An environment without the toolchain on any path.
    static let bareEnvironment = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"]

    static let debUnavailable: String? = {
        if let releaseMissing { return releaseMissing }
        for tool in ["make", "dpkg-deb", "dpkg-shlibdeps", "readelf"] where findExecutable(tool) == nil {
            return "\(tool) is not installed (make package-deps)"
        }
        return nil
    }()

    /// Root, debootstrap, the cached Debian root (made now if missing, about
    /// 30 s), and the mirror reachable.
    static let debianRootUnavailable: String? = {
        if let debUnavailable { return debUnavailable }
        if geteuid() != 0 { return "needs root (debootstrap, chroot, mounts)" }
        if findExecutable("debootstrap") == nil { return "debootstrap is not installed (make test-deps)" }
        guard let ensure = try? runCommand([debianRoot, "ensure"], timeout: .seconds(900)) else { return "cannot run \(debianRoot)" }
        if ensure.status == 3 { return "the Debian mirror cannot be reached: \(ensure.stderr)" }
        return nil  // other failures fail the test below
    }()

    /// `make deb` of the release binary, once per test run, in a directory
    /// removed when the tests exit; the package's path.
    static func deb() throws -> String { try builtDeb.get() }

    private static let debDirectory = "/tmp/xvm-deb-\(getpid())"
    private static let builtDeb: Result<String, TestBedError> = {
        atexit { Scheduled.removeTree(Packaging.debDirectory) }
        do {
            let run = try runCommand(["make", "-s", "--no-print-directory", "-C", RepoPaths.root, "deb", "INSTALL_BINARY=\(release)",
                                      "DEB_DIR=\(debDirectory)"], timeout: .seconds(300)).check()
            guard let path = run.stdout.split(separator: "\n").last.map(String.init),
                  path.hasPrefix(debDirectory + "/xfs-verify-media_"), path.hasSuffix(".deb") else {
                return .failure(TestBedError("make deb printed no package: \(run)"))
            }
            return .success(path)
        } catch let error as TestBedError {
            return .failure(error)
        } catch {
            return .failure(TestBedError("\(error)"))
        }
    }()

    /// Regular files of a package, from `dpkg-deb -c`, without the leading ".".
    static func files(of deb: String) throws -> Set<String> {
        let listing = try runCommand(["dpkg-deb", "-c", deb]).check().stdout
        return Set(listing.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("-") else { return nil }
            return line.split(separator: " ", omittingEmptySubsequences: true).last.map { String($0.dropFirst()) }
        })
    }
}

@Suite(.serialized) struct PackagingTests {
    /// Foundation (and ICU with it) weighs 60 MB in a static binary: the
    /// product's sources never import it. Tests may.
    @Test func productSourcesDoNotImportFoundation() throws {
        var offenders: [String] = []
        for target in ["Sources/VerifyMedia", "Sources/xfs_verify_media"] {
            let root = RepoPaths.root + "/" + target
            let files = try #require(FileManager.default.enumerator(atPath: root)?.allObjects as? [String])
            for file in files where file.hasSuffix(".swift") {
                let text = String(decoding: try readWholeFile(root + "/" + file), as: UTF8.self)
                for line in text.split(separator: "\n") where line.range(of: #"^\s*(@_exported |internal |public )?import\s+Foundation"#,
                                                                         options: .regularExpression) != nil {
                    offenders.append("\(target)/\(file): \(line)")
                }
            }
        }
        #expect(offenders.isEmpty, "the product imports Foundation: \(offenders)")
    }

    /// The release binary as `make install` installs it: stripped, no Swift
    /// library or run path, at most 15 MB, and --version and --help run with
    /// no toolchain on any path.
    @Test(.enabled(if: Packaging.debUnavailable == nil, Comment(rawValue: Packaging.debUnavailable ?? "")))
    func installedBinaryNeedsNoToolchain() throws {
        let root = try Scheduled.temporaryDirectory("product")
        defer { Scheduled.removeTree(root) }
        try runCommand(["make", "-s", "-C", RepoPaths.root, "install", "DESTDIR=\(root)", "INSTALL_BINARY=\(Packaging.release)"],
                       timeout: .seconds(300)).check()
        let binary = root + "/usr/local/sbin/xfs_verify_media"
        var st = stat()
        #expect(stat(binary, &st) == 0)
        #expect(Int(st.st_size) <= Packaging.maximumBytes, "\(st.st_size) bytes; at most \(Packaging.maximumBytes)")

        let dynamic = try runCommand(["readelf", "-d", binary]).check().stdout
        let needed = Set(dynamic.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.lastIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        })
        #expect(needed.contains("liburing.so.2") && needed.contains("libaio.so.1"), "\(needed)")
        #expect(needed.isSubset(of: Packaging.allowedLibraries), "links more than it may: \(needed.subtracting(Packaging.allowedLibraries))")
        #expect(!dynamic.contains("RPATH") && !dynamic.contains("RUNPATH"), "\(dynamic)")
        let sections = try runCommand(["readelf", "-S", "-W", binary]).check().stdout
        #expect(!sections.contains(".symtab") && !sections.contains(".debug_"), "not stripped")

        let ldd = try runCommand(Packaging.bareEnvironment + ["ldd", binary]).check().stdout
        #expect(!ldd.lowercased().contains("swift") && !ldd.contains("Foundation") && !ldd.contains("not found"), "\(ldd)")

        let version = try runCommand(Packaging.bareEnvironment + [binary, "--version"], timeout: .seconds(30))
        #expect(version.status == 0 && version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version)")
        let help = try runCommand(Packaging.bareEnvironment + [binary, "--help"], timeout: .seconds(30))
        #expect(help.status == 0 && help.stdout.contains("USAGE: xfs_verify_media") && help.stdout.contains("--checkpoint"), "\(help)")
    }

    /// `make deb`: every file `make install` installs, in Debian's places,
    /// man pages gzipped (every page in man/), the cron file a conffile and
    /// disabled, Depends from the libraries the binary links.
    @Test(.enabled(if: Packaging.debUnavailable == nil, Comment(rawValue: Packaging.debUnavailable ?? "")))
    func debHoldsWhatMakeInstallInstalls() throws {
        let out = try Scheduled.temporaryDirectory("deb")
        defer { Scheduled.removeTree(out) }
        let deb = try Packaging.deb()
        let manPages = try FileManager.default.contentsOfDirectory(atPath: RepoPaths.root + "/man")
            .filter { $0.range(of: #"\.[1-8]$"#, options: .regularExpression) != nil }
        #expect(manPages.contains("xfs_verify_media.8") && manPages.contains("xfs_verify_media_all.8"))
        var expected: Set<String> = [
            "/usr/sbin/xfs_verify_media", "/usr/sbin/xfs_verify_media_all", "/etc/cron.d/xfs_verify_media",
            "/usr/share/bash-completion/completions/xfs_verify_media", "/usr/share/zsh/vendor-completions/_xfs_verify_media",
            "/usr/share/fish/vendor_completions.d/xfs_verify_media.fish", "/usr/share/doc/xfs-verify-media/copyright",
            "/usr/lib/xfs_verify_media/xfs_verify_media_fail",
        ]
        expected.formUnion(Scheduled.units.map { "/usr/lib/systemd/system/" + $0 })
        expected.formUnion(manPages.map { "/usr/share/man/man\($0.split(separator: ".").last!)/\($0).gz" })
        #expect(try Packaging.files(of: deb) == expected)

        func field(_ name: String) throws -> String {
            try runCommand(["dpkg-deb", "-f", deb, name]).check().stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try field("Package") == "xfs-verify-media")
        let depends = try field("Depends")
        for package in ["liburing2", "libaio1", "libc6 (>= 2.36)", "libstdc++6", "libgcc-s1"] {
            #expect(depends.contains(package), "Depends: \(depends)")
        }
        #expect(!depends.contains("swift"))
        #expect(try runCommand(["dpkg-deb", "-I", deb, "conffiles"]).check().stdout == "/etc/cron.d/xfs_verify_media\n")

        let control = out + "/control"
        try runCommand(["dpkg-deb", "-e", deb, control]).check()
        for script in ["postinst", "prerm", "postrm"] {
            try runCommand(["sh", "-n", control + "/" + script]).check()
            let text = try Scheduled.read(control + "/" + script)
            #expect(text.range(of: #"(systemctl|deb-systemd-helper|update-rc\.d|invoke-rc\.d)\s+(enable|start|restart|preset|unmask)"#,
                               options: .regularExpression) == nil, "\(script) enables or starts something")
        }
        let files = out + "/files"
        try runCommand(["dpkg-deb", "-x", deb, files]).check()
        let cron = try Scheduled.read(files + "/etc/cron.d/xfs_verify_media")
        let cronLines = cron.split(separator: "\n").filter { $0.contains("xfs_verify_media_all --direct") }
        #expect(cronLines.count == 1 && cronLines.allSatisfy { $0.hasPrefix("#") && $0.contains("/usr/sbin/xfs_verify_media_all") },
                "the cron line is installed disabled and runs the package's script: \(cron)")
        let service = try Scheduled.read(files + "/usr/lib/systemd/system/xfs_verify_media@.service")
        #expect(service.contains("ExecStart=/usr/sbin/xfs_verify_media ") && !service.contains("/usr/local/"))
    }

    /// On a clean Debian 12 root: apt installs the package and its
    /// dependencies; the command runs (no toolchain there) and scans a test
    /// bed bound into the root, naming the damaged file; the maintainer
    /// scripts reload systemd only when it runs and enable nothing; purge
    /// leaves nothing behind.
    @Test(.enabled(if: Packaging.debianRootUnavailable == nil && TestBed.unavailableReason == nil,
                   Comment(rawValue: Packaging.debianRootUnavailable ?? TestBed.unavailableReason ?? "")))
    func packageInstallsAndScansOnACleanDebianRoot() throws {
        try runCommand([Packaging.debianRoot, "ensure"], timeout: .seconds(900)).check()
        let out = try Scheduled.temporaryDirectory("debroot")
        defer { Scheduled.removeTree(out) }
        let deb = try Packaging.deb()
        try FileManager.default.createDirectory(atPath: out + "/results", withIntermediateDirectories: true)
        try TestBed.with { bed in
            try bed.writeFile("docs/report.txt", size: 256 << 10, seed: 3)
            try bed.sync()
            let extent = try #require(try bed.fileExtents("docs/report.txt").first { !$0.isUnwritten && $0.length >= 16384 })
            try bed.data.arm(.eio, offset: extent.physical + 8192, length: 512)
            let script = """
                cd /out
                step() { name=$1; shift; "$@" >"$name" 2>&1; echo $? >"$name.status"; }
                install() { apt-get install -y -q --no-install-recommends "$@" || { apt-get update -q && apt-get install -y -q --no-install-recommends "$@"; }; }
                # A systemctl that only logs (systemd is not installed here): is it called, and how?
                printf '#!/bin/sh\\necho "$@" >>/out/systemctl.log\\n' >/usr/sbin/systemctl
                chmod 755 /usr/sbin/systemctl
                step install install /pkg/\((deb as NSString).lastPathComponent)
                step version xfs_verify_media --version
                step help xfs_verify_media --help
                step ldd ldd /usr/sbin/xfs_verify_media
                step toolchain sh -c 'ls -d /opt/swift /usr/lib/swift 2>&1; echo "PATH=$PATH"'
                step scan xfs_verify_media /srv/testbed
                step plan xfs_verify_media_all --direct --dry-run
                step listed dpkg -L xfs-verify-media
                step completion bash -c '. /usr/share/bash-completion/completions/xfs_verify_media && complete -p xfs_verify_media'
                echo installed >>/out/systemctl.log
                mkdir -p /run/systemd/system /var/lib/xfs_verify_media
                echo '{}' >/var/lib/xfs_verify_media/history.json
                step reinstall apt-get install -y -q --reinstall /pkg/\((deb as NSString).lastPathComponent)
                step purge apt-get purge -y -q xfs-verify-media
                step left sh -c 'ls -d /usr/sbin/xfs_verify_media* /etc/cron.d/xfs_verify_media /usr/lib/systemd/system/xfs_verify_media* /var/lib/xfs_verify_media /usr/share/man/man8/xfs_verify_media* 2>/dev/null; true'
                """
            let run = try runCommand([Packaging.debianRoot, "run", "--bind", "\((deb as NSString).deletingLastPathComponent):/pkg", "--bind", "\(out)/results:/out",
                                      "--bind", "\(bed.mountPoint):/srv/testbed", "--", "sh", "-c", script], timeout: .seconds(600))
            #expect(run.status == 0, "\(run)")
            func result(_ step: String) throws -> (status: Int32, output: String) {
                let status = Int32(try Scheduled.read("\(out)/results/\(step).status").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                return (status, try Scheduled.read("\(out)/results/\(step)"))
            }
            let install = try result("install")
            #expect(install.status == 0, "apt-get install: \(install.output)")
            #expect(install.output.contains("liburing2") && install.output.contains("libaio1"), "the dependencies come along: \(install.output)")
            let version = try result("version")
            #expect(version.status == 0 && version.output.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version)")
            let help = try result("help")
            #expect(help.status == 0 && help.output.contains("USAGE: xfs_verify_media"), "\(help)")
            let ldd = try result("ldd")
            #expect(ldd.status == 0 && !ldd.output.contains("not found") && !ldd.output.lowercased().contains("swift"), "\(ldd)")
            let toolchain = try result("toolchain")
            #expect(toolchain.output.contains("No such file") && !toolchain.output.contains("/opt/swift/"), "\(toolchain)")

            let scan = try result("scan")
            #expect(scan.status == 1 | 2, "media errors in file data: \(scan)")
            #expect(scan.output.contains("/srv/testbed/docs/report.txt: media error at data offset \(extent.fileOffset + 8192) length 512 (EIO)"),
                    "\(scan)")
            let plan = try result("plan")
            #expect(plan.status == 0 && plan.output.hasPrefix("group 1 (") && plan.output.contains("): /srv/testbed"), "\(plan)")
            let listed = try result("listed")
            for file in ["/usr/share/man/man8/xfs_verify_media.8.gz", "/usr/share/man/man8/xfs_verify_media_all.8.gz",
                         "/etc/cron.d/xfs_verify_media", "/usr/lib/systemd/system/xfs_verify_media_all.timer"] {
                #expect(listed.output.contains(file + "\n"), "dpkg -L lacks \(file)")
            }
            #expect(try result("completion").output.contains("-F _xfs_verify_media xfs_verify_media"))

            // Without /run/systemd/system nothing was called; with it, only reloads and stops.
            let calls = try Scheduled.read("\(out)/results/systemctl.log").split(separator: "\n").map(String.init)
            let split = try #require(calls.firstIndex(of: "installed"))
            #expect(calls[..<split].isEmpty, "systemctl called though systemd does not run: \(calls)")
            let later = calls[(split + 1)...]
            #expect(later.contains("daemon-reload"), "\(calls)")
            #expect(later.allSatisfy { $0 == "daemon-reload" || $0.hasPrefix("stop ") }, "\(calls)")
            #expect(try result("reinstall").status == 0)
            let purge = try result("purge")
            #expect(purge.status == 0, "\(purge)")
            let left = try result("left").output
            #expect(left.isEmpty, "left after purge: \(left)")
        }
    }
}
