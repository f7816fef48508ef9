// Scheduled scans: the systemd units pass `systemd-analyze verify` as
// installed, `make install`/`make uninstall` put and remove exactly the
// expected files (DESTDIR), the units keep the choices that let umount work
// during a scan, and xfs_verify_media_all groups filesystems by disk and
// ORs the scans' exit statuses.
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestBed

/// Paths and helpers of the scheduled-scan files.
enum Scheduled {
    static var unitDirectory: String { RepoPaths.root + "/systemd" }
    static var allScript: String { RepoPaths.root + "/scripts/xfs_verify_media_all" }
    static let units = ["xfs_verify_media@.service", "xfs_verify_media@.timer",
                        "xfs_verify_media_all.service", "xfs_verify_media_all.timer",
                        "xfs_verify_media_continue@.service", "xfs_verify_media_continue@.timer",
                        "xfs_verify_media_fail@.service",
                        "xfs_verify_media_watch@.service", "xfs_verify_media_watch_mounts.service"]
    static var failScript: String { RepoPaths.root + "/scripts/xfs_verify_media_fail" }

    static let binaryMissing: String? =
        access(RepoPaths.binary, X_OK) == 0 ? nil : "\(RepoPaths.binary) is not built (swift build)"

    static let verifyUnavailable: String? = {
        if let binaryMissing { return binaryMissing }
        if findExecutable("systemd-analyze") == nil { return "systemd-analyze is not installed" }
        if findExecutable("make") == nil { return "make is not installed" }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: "/usr/lib/systemd/system", isDirectory: &isDirectory) || !isDirectory.boolValue {
            return "/usr/lib/systemd/system is missing (systemd-analyze verify needs its targets)"
        }
        return nil
    }()

    /// A fresh temporary directory; removed by `removeTree`.
    static func temporaryDirectory(_ label: String) throws -> String {
        var template = Array("/tmp/xvm-\(label).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestBedError("mkdtemp: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    static func removeTree(_ path: String) {
        guard path.hasPrefix("/tmp/xvm-") else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `make install` (or another target) into DESTDIR with the debug binary,
    /// so no release build is needed.
    @discardableResult
    static func make(_ target: String, destdir: String, _ extra: [String] = []) throws -> CommandResult {
        try runCommand(["make", "-s", "-C", RepoPaths.root, target, "DESTDIR=\(destdir)",
                        "INSTALL_BINARY=\(RepoPaths.binary)"] + extra, timeout: .seconds(300)).check()
    }

    /// Regular files below `root`, relative to it, with their permission bits.
    static func files(under root: String) -> [String: Int] {
        var found: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [:] }
        for case let relative as String in walker {
            let path = root + "/" + relative
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            found["/" + relative] = Int(st.st_mode & 0o7777)
        }
        return found
    }

    static func read(_ path: String) throws -> String { String(decoding: try readWholeFile(path), as: UTF8.self) }

    /// Creates or replaces the file at `path` with `text`.
    static func write(_ path: String, _ text: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw TestBedError("cannot write \(path)")
        }
    }

    /// `Key=value` settings of a unit file, in order (comments skipped).
    static func settings(_ unit: String) throws -> [(key: String, value: String)] {
        try read(unitDirectory + "/" + unit).split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let eq = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }
    }

    static func values(_ key: String, in unit: String) throws -> [String] {
        try settings(unit).filter { $0.key == key }.map(\.value)
    }

    /// Runs the all script; XVM_MOUNTINFO, when given, restricts it to those mounts.
    static func runAll(_ arguments: [String], mountinfo: String? = nil, timeout: Duration = .seconds(300)) throws -> CommandResult {
        var environment: [String: String] = [:]
        if let mountinfo { environment["XVM_MOUNTINFO"] = mountinfo }
        return try runCommand([allScript] + arguments, environment: environment, timeout: timeout)
    }

    /// The lines of /proc/self/mountinfo for these mount points.
    static func mountinfoLines(for mountPoints: [String]) throws -> String {
        let info = try read("/proc/self/mountinfo")
        return info.split(separator: "\n").filter { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && mountPoints.contains(String(fields[4]))
        }.joined(separator: "\n") + "\n"
    }
}

@Suite(.serialized) struct UnitFilesTests {
    // MARK: make install / uninstall

    /// Every page of man/ (as xfs_verify_media.8), installed under MANDIR.
    static func manPages(under mandir: String) throws -> [String] {
        try Docs.manPages().map { path in
            let name = String(path.split(separator: "/").last!)
            return "\(mandir)/man\(name.split(separator: ".").last!)/\(name)"
        }
    }

    static let installedFiles: [String: Int] = [
        "/usr/local/sbin/xfs_verify_media": 0o755,
        "/usr/local/sbin/xfs_verify_media_all": 0o755,
        "/usr/local/share/bash-completion/completions/xfs_verify_media": 0o644,
        "/usr/local/share/zsh/site-functions/_xfs_verify_media": 0o644,
        "/usr/local/share/fish/vendor_completions.d/xfs_verify_media.fish": 0o644,
        "/etc/systemd/system/xfs_verify_media@.service": 0o644,
        "/etc/systemd/system/xfs_verify_media@.timer": 0o644,
        "/etc/systemd/system/xfs_verify_media_all.service": 0o644,
        "/etc/systemd/system/xfs_verify_media_all.timer": 0o644,
        "/etc/systemd/system/xfs_verify_media_continue@.service": 0o644,
        "/etc/systemd/system/xfs_verify_media_continue@.timer": 0o644,
        "/etc/systemd/system/xfs_verify_media_fail@.service": 0o644,
        "/usr/local/lib/xfs_verify_media/xfs_verify_media_fail": 0o755,
        "/etc/systemd/system/xfs_verify_media_watch@.service": 0o644,
        "/etc/systemd/system/xfs_verify_media_watch_mounts.service": 0o644,
        "/etc/cron.d/xfs_verify_media": 0o644,
    ]

    @Test(.enabled(if: Scheduled.binaryMissing == nil && findExecutable("make") != nil,
                   Comment(rawValue: Scheduled.binaryMissing ?? "make is not installed")))
    func installAndUninstallExactlyTheFiles() throws {
        let root = try Scheduled.temporaryDirectory("install")
        defer { Scheduled.removeTree(root) }
        try Scheduled.make("install", destdir: root)
        let files = Scheduled.files(under: root)
        let expected = Self.installedFiles.merging(try Self.manPages(under: "/usr/local/share/man").map { ($0, 0o644) }) { a, _ in a }
        #expect(files == expected, "installed: \(files.sorted { $0.key < $1.key })")
        #expect(files["/usr/local/share/man/man8/xfs_verify_media_all.8"] == 0o644)
        // The binary is the one given, stripped; each shell's completion is its own; the units and
        // the cron line run what was installed; every command has its man page.
        let stripped = root + "/stripped"
        try runCommand(["strip", "-o", stripped, RepoPaths.binary]).check()
        #expect(try readWholeFile(root + "/usr/local/sbin/xfs_verify_media") == readWholeFile(stripped))
        unlink(stripped)
        #expect(try Scheduled.read(root + "/usr/local/share/bash-completion/completions/xfs_verify_media").contains("complete -o filenames -F _xfs_verify_media xfs_verify_media"))
        #expect(try Scheduled.read(root + "/usr/local/share/zsh/site-functions/_xfs_verify_media").hasPrefix("#compdef xfs_verify_media"))
        #expect(try Scheduled.read(root + "/usr/local/share/fish/vendor_completions.d/xfs_verify_media.fish").contains("complete -c 'xfs_verify_media'"))
        let service = try Scheduled.read(root + "/etc/systemd/system/xfs_verify_media@.service")
        #expect(service.contains("ExecStart=/usr/local/sbin/xfs_verify_media "))
        #expect(try Scheduled.read(root + "/etc/cron.d/xfs_verify_media").contains("root test -x /usr/local/sbin/xfs_verify_media_all"))
        for command in files.keys where command.hasPrefix("/usr/local/sbin/") {
            let name = String(command.dropFirst("/usr/local/sbin/".count))
            #expect(files["/usr/local/share/man/man8/\(name).8"] != nil, "\(name) has no man page")
        }

        try Scheduled.make("uninstall", destdir: root)
        #expect(Scheduled.files(under: root).isEmpty, "left behind: \(Scheduled.files(under: root).keys.sorted())")
    }

    /// Packagers move everything: the units then run the binaries where they went.
    @Test(.enabled(if: Scheduled.binaryMissing == nil && findExecutable("make") != nil,
                   Comment(rawValue: Scheduled.binaryMissing ?? "make is not installed")))
    func installHonoursPrefixAndUnitDir() throws {
        let root = try Scheduled.temporaryDirectory("package")
        defer { Scheduled.removeTree(root) }
        let options = ["PREFIX=/usr", "UNITDIR=/usr/lib/systemd/system"]
        try Scheduled.make("install", destdir: root, options)
        let files = Set(Scheduled.files(under: root).keys)
        #expect(files == Set(try Self.manPages(under: "/usr/share/man")).union([
                          "/usr/sbin/xfs_verify_media", "/usr/sbin/xfs_verify_media_all",
                          "/usr/share/bash-completion/completions/xfs_verify_media", "/usr/share/zsh/site-functions/_xfs_verify_media",
                          "/usr/share/fish/vendor_completions.d/xfs_verify_media.fish",
                          "/usr/lib/systemd/system/xfs_verify_media@.service", "/usr/lib/systemd/system/xfs_verify_media@.timer",
                          "/usr/lib/systemd/system/xfs_verify_media_all.service", "/usr/lib/systemd/system/xfs_verify_media_all.timer",
                          "/usr/lib/systemd/system/xfs_verify_media_continue@.service",
                          "/usr/lib/systemd/system/xfs_verify_media_continue@.timer",
                          "/usr/lib/systemd/system/xfs_verify_media_fail@.service", "/usr/lib/xfs_verify_media/xfs_verify_media_fail",
                          "/usr/lib/systemd/system/xfs_verify_media_watch@.service",
                          "/usr/lib/systemd/system/xfs_verify_media_watch_mounts.service",
                          "/etc/cron.d/xfs_verify_media"]))
        #expect(try Scheduled.read(root + "/usr/lib/systemd/system/xfs_verify_media_fail@.service")
                    .contains("ExecStart=/usr/lib/xfs_verify_media/xfs_verify_media_fail "))
        for unit in ["xfs_verify_media@.service", "xfs_verify_media_all.service", "xfs_verify_media_continue@.service",
                     "xfs_verify_media_watch@.service", "xfs_verify_media_watch_mounts.service"] {
            let text = try Scheduled.read(root + "/usr/lib/systemd/system/" + unit)
            #expect(text.contains("ExecStart=/usr/sbin/"), "\(unit)")
            #expect(!text.contains("/usr/local/"), "\(unit) still names /usr/local")
        }
        #expect(try Scheduled.read(root + "/etc/cron.d/xfs_verify_media").contains("test -x /usr/sbin/xfs_verify_media_all && "))
        try Scheduled.make("uninstall", destdir: root, options)
        #expect(Scheduled.files(under: root).isEmpty)
    }

    // MARK: systemd-analyze verify

    /// Every unit, installed into a temporary root with the targets of this
    /// machine's systemd, passes `systemd-analyze verify` without a word
    /// (verify exits 0 on mere warnings, so any output fails the test).
    @Test(.enabled(if: Scheduled.verifyUnavailable == nil, Comment(rawValue: Scheduled.verifyUnavailable ?? "")))
    func systemdAnalyzeVerifyPasses() throws {
        let root = try Scheduled.temporaryDirectory("verify")
        defer { Scheduled.removeTree(root) }
        try Scheduled.make("install", destdir: root)
        try runCommand(["mkdir", "-p", root + "/usr/lib/systemd"]).check()
        try runCommand(["cp", "-a", "/usr/lib/systemd/system", root + "/usr/lib/systemd/"]).check()
        // Documentation=man:xfs_verify_media(8) is looked up with man(1).
        let environment = ["MANPATH": root + "/usr/local/share/man"]
        let instances = ["xfs_verify_media@srv-data.service", "xfs_verify_media@srv-data.timer",
                         "xfs_verify_media@-.service", "xfs_verify_media@var-tmp-my\\x2ddisk.service",
                         "xfs_verify_media_all.service", "xfs_verify_media_all.timer",
                         "xfs_verify_media_continue@srv-data.service", "xfs_verify_media_continue@srv-data.timer",
                         "xfs_verify_media_fail@srv-data.service",
                         "xfs_verify_media_watch@srv-data.service", "xfs_verify_media_watch@-.service",
                         "xfs_verify_media_watch_mounts.service"]
        let templates = Scheduled.units.map { root + "/etc/systemd/system/" + $0 }
        for arguments in instances.map({ [$0] }) + [templates] {
            let run = try runCommand(["systemd-analyze", "verify", "--root=\(root)"] + arguments,
                                     environment: environment, timeout: .seconds(120))
            #expect(run.status == 0, "\(run)")
            #expect(run.stdout.isEmpty && run.stderr.isEmpty, "\(arguments): \(run.stdout)\(run.stderr)")
        }
        // A broken setting is caught, so silence above means something.
        let broken = root + "/etc/systemd/system/xfs_verify_media@.service"
        try Scheduled.write(broken, try Scheduled.read(broken) + "ProtectSystm=strict\n")
        let run = try runCommand(["systemd-analyze", "verify", "--root=\(root)", "xfs_verify_media@srv-data.service"],
                                 environment: environment, timeout: .seconds(120))
        #expect(run.stderr.contains("ProtectSystm"), "\(run)")
    }

    // MARK: What the units must keep

    @Test func unitsExistAndAreDocumented() throws {
        let present = try FileManager.default.contentsOfDirectory(atPath: Scheduled.unitDirectory).sorted()
        #expect(present == Scheduled.units.sorted())
        for unit in Scheduled.units {
            #expect(try Scheduled.values("Documentation", in: unit) == ["man:xfs_verify_media(8)"], "\(unit)")
        }
    }

    /// The scan unit: unattended, resumable, quiet, gentle, and its sandbox
    /// leaves umount working (no BindPaths=, no private /tmp, /home visible,
    /// block devices readable, open_tree allowed for the detached copy of
    /// the mount), with the lock directory kept between runs.
    @Test func scanUnitKeepsItsChoices() throws {
        let unit = "xfs_verify_media@.service"
        let exec = try #require(try Scheduled.values("ExecStart", in: unit).first)
        let words = exec.split(separator: " ").map(String.init)
        #expect(words.first == "/usr/local/sbin/xfs_verify_media")
        #expect(words.last == "%f")
        for option in ["-b", "-q", "--resume", "--history"] { #expect(words.contains(option), "\(option) missing: \(exec)") }
        for (option, value) in [("--checkpoint", "/var/lib/xfs_verify_media/%i.checkpoint"),
                                ("--report", "/var/lib/xfs_verify_media/%i.report.json"),
                                ("--engine", "auto")] {
            let index = try #require(words.firstIndex(of: option), "\(option) missing: \(exec)")
            #expect(words[index + 1] == value, "\(option): \(exec)")
        }
        #expect(words.contains("--interval"))
        #expect(words.dropLast().last == "$XVM_OPTIONS", "options from /etc/default/xfs_verify_media or a drop-in: \(exec)")
        #expect(try Scheduled.values("OnFailure", in: unit) == ["xfs_verify_media_fail@%i.service"])

        let settings = Dictionary(try Scheduled.settings(unit).map { ($0.key, $0.value) }) { first, _ in first }
        let expected: [String: String] = [
            "Type": "notify", "ProtectSystem": "strict", "ProtectHome": "read-only", "PrivateTmp": "no",
            "PrivateDevices": "no", "DevicePolicy": "closed", "DeviceAllow": "block-* r", "NoNewPrivileges": "yes",
            "PrivateNetwork": "yes", "RestrictAddressFamilies": "AF_UNIX", "Nice": "19", "IOSchedulingClass": "idle",
            "ConditionACPower": "true", "ConditionPathIsMountPoint": "%f", "ReadWritePaths": "/var/lib/xfs_verify_media",
            "StateDirectory": "xfs_verify_media", "SystemCallErrorNumber": "EPERM",
            "CapabilityBoundingSet": "CAP_SYS_ADMIN CAP_DAC_READ_SEARCH CAP_DAC_OVERRIDE CAP_FOWNER",
            "RuntimeDirectory": "xfs_verify_media", "RuntimeDirectoryPreserve": "yes",
        ]
        for (key, value) in expected { #expect(settings[key] == value, "\(key)=\(settings[key] ?? "(unset)")") }
        for key in ["BindPaths", "BindReadOnlyPaths", "DynamicUser", "TemporaryFileSystem", "RequiresMountsFor",
                    "RootDirectory"] {
            #expect(settings[key] == nil, "\(key)= would pin the mount, hide it, or mount it")
        }
        // An orderly stop (the scan dies by SIGTERM once its checkpoint is
        // saved) is no failure; every exit status still is.
        #expect(try Scheduled.values("SuccessExitStatus", in: unit) == ["SIGTERM"], "exit statuses must fail the unit")
        #expect(try Scheduled.values("SystemCallFilter", in: unit).last == "open_tree",
                "the detached copy of the mount needs open_tree, after the @mount group is denied")
        #expect(settings["CPUSchedulingPolicy"] == "batch" || settings["CPUSchedulingPolicy"] == "idle")
        #expect(settings["CPUQuota"] != nil)
    }

    /// The watch unit: sees the filesystem as it is mounted (read-write, no
    /// remount, no bind mount, no private /tmp), reads block devices, skips
    /// itself when another monitor (xfs_healer) holds the filesystem, and
    /// does not restart into the same refusal.
    @Test func watchUnitKeepsItsChoices() throws {
        let unit = "xfs_verify_media_watch@.service"
        let exec = try #require(try Scheduled.values("ExecStart", in: unit).first).split(separator: " ").map(String.init)
        #expect(Array(exec.prefix(2)) == ["/usr/local/sbin/xfs_verify_media", "watch"] && exec.last == "%f", "\(exec)")
        #expect(try Scheduled.values("ExecCondition", in: unit) == ["/usr/local/sbin/xfs_verify_media watch --check %f"])
        let settings = Dictionary(try Scheduled.settings(unit).map { ($0.key, $0.value) }) { first, _ in first }
        let expected: [String: String] = [
            "Type": "exec", "ProtectSystem": "no", "ProtectHome": "no", "PrivateTmp": "no", "PrivateDevices": "no",
            "DevicePolicy": "closed", "DeviceAllow": "block-* r", "RestrictAddressFamilies": "AF_UNIX", "PrivateNetwork": "yes",
            "Restart": "on-failure", "RestartPreventExitStatus": "8 32", "ConditionPathIsMountPoint": "%f",
            "StateDirectory": "xfs_verify_media", "NoNewPrivileges": "yes",
            "CapabilityBoundingSet": "CAP_SYS_ADMIN CAP_DAC_READ_SEARCH CAP_DAC_OVERRIDE CAP_FOWNER",
        ]
        for (key, value) in expected { #expect(settings[key] == value, "\(key)=\(settings[key] ?? "(unset)")") }
        for key in ["BindPaths", "BindReadOnlyPaths", "DynamicUser", "TemporaryFileSystem", "RequiresMountsFor", "ReadOnlyPaths",
                    "RootDirectory"] {
            #expect(settings[key] == nil, "\(key)= would pin, remount or hide the watched filesystem")
        }
        let starter = "xfs_verify_media_watch_mounts.service"
        #expect(try Scheduled.values("ExecStart", in: starter) == ["/usr/local/sbin/xfs_verify_media watch-mounts"])
        #expect(try Scheduled.values("SystemCallFilter", in: starter).last == "fanotify_init fanotify_mark")
        #expect(try Scheduled.values("CapabilityBoundingSet", in: starter) == ["CAP_SYS_ADMIN"])
    }

    /// Every option the watch units pass exists in `watch --help`.
    @Test(.enabled(if: Scheduled.binaryMissing == nil, Comment(rawValue: Scheduled.binaryMissing ?? "")))
    func watchUnitOptionsExist() throws {
        let help = try runCommand([RepoPaths.binary, "watch", "--help"]).check()
        let options = Docs.helpOptions(help.stdout)
        for key in ["ExecStart", "ExecCondition"] {
            for word in try Scheduled.values(key, in: "xfs_verify_media_watch@.service").flatMap({ $0.split(separator: " ") })
            where word.hasPrefix("-") {
                #expect(options.contains(String(word)), "\(key) passes \(word), which watch --help does not list")
            }
        }
    }

    @Test func timersAreMonthlyAndPersistent() throws {
        for timer in ["xfs_verify_media@.timer", "xfs_verify_media_all.timer"] {
            #expect(try Scheduled.values("OnCalendar", in: timer).first?.hasPrefix("*-*-01") == true, "\(timer)")
            #expect(try Scheduled.values("Persistent", in: timer) == ["true"], "\(timer)")
            #expect(try !Scheduled.values("RandomizedDelaySec", in: timer).isEmpty, "\(timer)")
            #expect(try Scheduled.values("WantedBy", in: timer) == ["timers.target"], "\(timer)")
        }
        #expect(try Scheduled.values("ExecStart", in: "xfs_verify_media_all.service") == ["/usr/local/sbin/xfs_verify_media_all"])
    }

    /// Every option the units and the all script pass exists in --help.
    @Test(.enabled(if: Scheduled.binaryMissing == nil, Comment(rawValue: Scheduled.binaryMissing ?? "")))
    func unitOptionsExist() throws {
        let help = Docs.helpOptions(try Docs.help())
        let exec = try #require(try Scheduled.values("ExecStart", in: "xfs_verify_media@.service").first)
        for word in exec.split(separator: " ") where word.hasPrefix("-") {
            #expect(help.contains(String(word)), "ExecStart passes \(word), which --help does not list")
        }
        let plan = try Scheduled.runAll(["--direct", "--dry-run", "-v", "--binary", RepoPaths.binary], mountinfo: "/dev/null")
        #expect(plan.status == 0, "\(plan)")
        let script = try Scheduled.read(Scheduled.allScript)
        let command = try #require(script.split(separator: "\n").first { $0.contains("CMD=(\"$BINARY\"") })
        for word in command.split(separator: " ") where word.hasPrefix("-") {
            #expect(help.contains(String(word)), "xfs_verify_media_all passes \(word), which --help does not list")
        }
    }

    // MARK: xfs_verify_media_all

    /// A made-up machine for xfs_verify_media_all: a sysfs tree with
    /// partitions, a device-mapper and an md device, and a mount table.
    struct FakeMachine {
        let directory: String
        var sys: String { directory + "/sys" }
        var mountinfo: String { directory + "/mountinfo" }
        var environment: [String: String] { ["XVM_MOUNTINFO": mountinfo, "XVM_SYSFS": sys] }

        /// `mounts`: the mountinfo lines of the made-up mount table.
        init(mounts: String) throws {
            directory = try Scheduled.temporaryDirectory("machine")
            let sys = directory + "/sys"
            func dir(_ path: String) throws {
                try FileManager.default.createDirectory(atPath: sys + "/" + path, withIntermediateDirectories: true)
            }
            func link(_ path: String, _ target: String) throws {
                try FileManager.default.createSymbolicLink(atPath: sys + "/" + path, withDestinationPath: target)
            }
            for disk in ["pci/sda/sda1", "pci/sda/sda2", "pci/sdb/sdb1", "pci/sdc", "pci/sdd", "pci/sde", "pci/sdf", "pci/sdg",
                         "virtual/block/dm-0/slaves", "virtual/block/md0/slaves"] {
                try dir("devices/" + disk)
            }
            try dir("dev/block")
            for partition in ["pci/sda/sda1", "pci/sda/sda2", "pci/sdb/sdb1"] {
                try Scheduled.write(sys + "/devices/" + partition + "/partition", "1\n")
            }
            try link("devices/virtual/block/dm-0/slaves/sdb1", "../../../../pci/sdb/sdb1")
            try link("devices/virtual/block/dm-0/slaves/sdc", "../../../../pci/sdc")
            try link("devices/virtual/block/md0/slaves/sdd", "../../../../pci/sdd")
            try link("devices/virtual/block/md0/slaves/sde", "../../../../pci/sde")
            let numbers = ["8:1": "pci/sda/sda1", "8:2": "pci/sda/sda2", "253:0": "virtual/block/dm-0", "9:0": "virtual/block/md0",
                           "8:80": "pci/sdf", "8:96": "pci/sdg", "1:3": "pci/sdc"]  // 1:3 is /dev/null, used as a logdev=
            for (number, device) in numbers { try link("dev/block/" + number, "../../devices/" + device) }
            try Scheduled.write(directory + "/mountinfo", mounts)
        }

        func remove() { Scheduled.removeTree(directory) }
    }

    /// Disks from sysfs: partitions stand for their disk, device-mapper and
    /// md devices for their slaves' disks, logdev= joins the log's disk;
    /// filesystems sharing a disk form one group, in mount order; bind
    /// mounts of a filesystem are not scanned twice.
    @Test func allScriptGroupsFilesystemsByDisk() throws {
        let machine = try FakeMachine(mounts: """
        21 1 8:3 / / rw,relatime shared:1 - ext4 /dev/sda3 rw
        29 21 253:0 /sub /srv/c-bind rw,relatime shared:3 - xfs /dev/mapper/vg-c rw,attr2,inode64,noquota
        30 21 8:1 / /srv/a rw,relatime shared:2 - xfs /dev/sda1 rw,attr2,inode64,noquota
        31 21 8:1 /sub /srv/a-bind rw,relatime shared:2 - xfs /dev/sda1 rw,attr2,inode64,noquota
        32 21 253:0 / /srv/c rw,relatime shared:3 - xfs /dev/mapper/vg-c rw,attr2,inode64,noquota
        33 21 8:2 / /srv/b rw,relatime shared:4 - xfs /dev/sda2 rw,attr2,inode64,noquota
        34 21 9:0 / /srv/e rw,relatime shared:5 - xfs /dev/md0 rw,attr2,inode64,noquota
        35 21 8:80 / /srv/f rw,relatime shared:6 - xfs /dev/sdf rw,attr2,inode64,logbufs=8,logdev=/dev/null,noquota
        36 21 8:96 / /srv/my\\040data rw,relatime shared:7 - xfs /dev/sdg rw,attr2,inode64,noquota

        """)
        defer { machine.remove() }
        let run = try runCommand([Scheduled.allScript, "--direct", "--dry-run"], environment: machine.environment, timeout: .seconds(60))
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.split(separator: "\n").map(String.init) == [
            "group 1 (sdb sdc sdf): /srv/c -> /srv/f",
            "group 2 (sda): /srv/a -> /srv/b",
            "group 3 (sdd sde): /srv/e",
            "group 4 (sdg): /srv/my data",
        ], "\(run)")
    }

    /// Under systemd the script starts xfs_verify_media@MOUNT.service units
    /// with `systemctl start --wait` (a stand-in systemctl here): one group
    /// after the other member, groups in parallel, masked units skipped, and
    /// the exit status is the OR of the units' main exit statuses.
    @Test func allScriptStartsUnitsPerGroup() throws {
        let machine = try FakeMachine(mounts: """
        30 21 8:1 / /srv/a rw,relatime shared:2 - xfs /dev/sda1 rw,attr2,inode64,noquota
        31 21 8:80 / /srv/f rw,relatime shared:6 - xfs /dev/sdf rw,attr2,inode64,noquota
        32 21 8:2 / /srv/b rw,relatime shared:4 - xfs /dev/sda2 rw,attr2,inode64,noquota
        33 21 8:96 / /srv/g rw,relatime shared:7 - xfs /dev/sdg rw,attr2,inode64,noquota

        """)
        defer { machine.remove() }
        let bin = machine.directory + "/bin", state = machine.directory + "/units"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let fake = bin + "/systemctl"
        try Scheduled.write(fake, """
        #!/bin/bash
        # A stand-in for systemctl: units' results come from $FAKE_UNITS/UNIT.{load,result,status}.
        get() { cat "$FAKE_UNITS/$1.$2" 2>/dev/null || echo "$3"; }
        case "$1 $2" in
            "show -P")
                case $3 in
                    LoadState) get "$4" load loaded ;;
                    Result) get "$4" result success ;;
                    ExecMainStatus) get "$4" status 0 ;;
                esac ;;
            "start --wait")
                echo "start $3 $(date +%s.%N)" >>"$FAKE_UNITS/log"
                touch "$FAKE_UNITS/$3.started"
                # /srv/a and /srv/f (different disks) each wait up to 30 s for
                # the other to start: run in parallel, they overlap however
                # slowly processes start; run one after the other, they don't.
                case $3 in
                    *srv-a.service) partner=xfs_verify_media@srv-f.service ;;
                    *srv-f.service) partner=xfs_verify_media@srv-a.service ;;
                    *) partner= ;;
                esac
                for _ in $(seq 300); do
                    [ -z "$partner" ] || [ -e "$FAKE_UNITS/$partner.started" ] && break
                    sleep 0.1
                done
                echo "end $3 $(date +%s.%N)" >>"$FAKE_UNITS/log"
                [ "$(get "$3" result success)" = success ] ;;
            *) echo "unexpected: $*" >>"$FAKE_UNITS/log"; exit 1 ;;
        esac

        """)
        chmod(fake, 0o755)
        try Scheduled.write(state + "/xfs_verify_media@srv-b.service.result", "exit-code\n")
        try Scheduled.write(state + "/xfs_verify_media@srv-b.service.status", "3\n")
        try Scheduled.write(state + "/xfs_verify_media@srv-f.service.result", "exit-code\n")
        try Scheduled.write(state + "/xfs_verify_media@srv-f.service.status", "16\n")
        try Scheduled.write(state + "/xfs_verify_media@srv-g.service.load", "masked\n")
        var environment = machine.environment
        environment["FAKE_UNITS"] = state
        environment["PATH"] = bin + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try runCommand([Scheduled.allScript, "--systemd"], environment: environment, timeout: .seconds(120))
        #expect(run.status == 19, "3 | 16: \(run)")
        #expect(run.stderr.contains("/srv/b: exit status 3"), "\(run)")
        #expect(run.stderr.contains("/srv/f: exit status 16"), "\(run)")
        #expect(run.stdout.isEmpty, "\(run)")

        // When each unit ran: /srv/a then /srv/b (same disk), /srv/f meanwhile, /srv/g never.
        var times: [String: (start: Double, end: Double)] = [:]
        for line in try Scheduled.read(state + "/log").split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            #expect(words.count == 3 && (words[0] == "start" || words[0] == "end"), "\(line)")
            guard words.count == 3, let time = Double(words[2]) else { continue }
            let unit = words[1]
            var entry = times[unit] ?? (0, 0)
            if words[0] == "start" { entry.start = time } else { entry.end = time }
            times[unit] = entry
        }
        #expect(Set(times.keys) == ["xfs_verify_media@srv-a.service", "xfs_verify_media@srv-b.service",
                                    "xfs_verify_media@srv-f.service"], "\(times)")
        if let a = times["xfs_verify_media@srv-a.service"], let b = times["xfs_verify_media@srv-b.service"],
           let f = times["xfs_verify_media@srv-f.service"] {
            #expect(a.end <= b.start, "/srv/a and /srv/b share sda: one after the other")
            #expect(f.start < a.end && a.start < f.end, "/srv/f is on another disk: in parallel with /srv/a")
        }
    }

    @Test func allScriptRejectsBadArguments() throws {
        let run = try Scheduled.runAll(["--no-such-option"], mountinfo: "/dev/null")
        #expect(run.status == 8, "\(run)")
        #expect(run.stderr.contains("--no-such-option"))
        let help = try Scheduled.runAll(["--help"], mountinfo: "/dev/null")
        #expect(help.status == 0 && help.stdout.contains("--dry-run") && help.stdout.contains("--direct"), "\(help)")
        let none = try Scheduled.runAll(["--direct"], mountinfo: "/dev/null")
        #expect(none.status == 0 && none.stdout.isEmpty && none.stderr.isEmpty, "no XFS, nothing to say: \(none)")
    }

    /// Two test beds are two XFS filesystems on two loop devices: two
    /// groups, scanned in parallel.
    @Test(.enabled(if: TestBed.unavailableReason == nil,
                   Comment(rawValue: "test bed unavailable: \(TestBed.unavailableReason ?? "")")))
    func allScriptPlansTwoTestBedsAsTwoGroups() throws {
        try TestBed.with { first in
            try TestBed.with { second in
                let run = try Scheduled.runAll(["--dry-run"])
                #expect(run.status == 0, "\(run)")
                let lines = run.stdout.split(separator: "\n").map(String.init)
                func line(of bed: TestBed) throws -> String {
                    let matching = lines.filter { $0.hasSuffix(": " + bed.mountPoint) || $0.contains(": " + bed.mountPoint + " ->")
                                                  || $0.contains("-> " + bed.mountPoint) }
                    #expect(matching.count == 1, "\(bed.mountPoint) in \(matching.count) groups: \(run.stdout)")
                    return try #require(matching.first)
                }
                let a = try line(of: first), b = try line(of: second)
                #expect(a != b, "both test beds in one group: \(a)")
                #expect(a.hasSuffix("(\(URL(fileURLWithPath: first.data.device).lastPathComponent)): \(first.mountPoint)"), "\(a)")
                #expect(b.hasSuffix("(\(URL(fileURLWithPath: second.data.device).lastPathComponent)): \(second.mountPoint)"), "\(b)")
                #expect(a.hasPrefix("group ") && b.hasPrefix("group "))
            }
        }
    }

    /// Direct mode scans both test beds (and nothing else: the mount table
    /// is restricted to them) and exits with the OR of their statuses.
    @Test(.enabled(if: TestBed.unavailableReason == nil && Scheduled.binaryMissing == nil,
                   Comment(rawValue: TestBed.unavailableReason ?? Scheduled.binaryMissing ?? "")))
    func allScriptDirectModeOrsTheStatuses() throws {
        try TestBed.with { damaged in
            try TestBed.with { clean in
                try damaged.writeFile("victim", size: 1 << 20)
                try clean.writeFile("fine", size: 1 << 20)
                try damaged.sync()
                try clean.sync()
                let extent = try #require(try damaged.fileExtents("victim").first { $0.length >= 256 << 10 && !$0.isUnwritten })
                try damaged.data.arm(.eio, offset: extent.physical + (128 << 10), length: 512)

                let state = try Scheduled.temporaryDirectory("state")
                defer { Scheduled.removeTree(state) }
                let mountinfo = state + "/mountinfo"
                try Scheduled.write(mountinfo, try Scheduled.mountinfoLines(for: [damaged.mountPoint, clean.mountPoint]))
                let arguments = ["--direct", "--binary", RepoPaths.binary, "--state-dir", state + "/lib"]
                let run = try Scheduled.runAll(arguments, mountinfo: mountinfo)
                // 1 media error, 2 in file data, 16 new: the damaged bed; 0 from the clean one.
                #expect(run.status == 19, "\(run)")
                #expect(run.stdout.contains(damaged.mountPoint + "/victim"), "\(run)")
                #expect(run.stderr.contains("\(damaged.mountPoint): exit status 19"), "\(run)")
                #expect(!run.stderr.contains("\(clean.mountPoint):"), "the clean filesystem is quiet: \(run)")
                let reports = try FileManager.default.contentsOfDirectory(atPath: state + "/lib").filter { $0.hasSuffix(".report.json") }
                #expect(reports.count == 2, "\(reports)")

                // A month has not passed: --interval makes the next run a no-op.
                let again = try Scheduled.runAll(arguments, mountinfo: mountinfo)
                #expect(again.status == 0 && again.stdout.isEmpty && again.stderr.isEmpty, "\(again)")
            }
        }
    }
}
