import Glibc
import VerifyMedia

/// Candidates the shell completion scripts (--generate-completion-script)
/// ask the command for while the user presses TAB. Each returns every
/// candidate; the shell keeps those that start with the word typed.
enum Completions {
    /// PATH: the mount points of XFS filesystems and their block devices;
    /// once the word goes past a mount point, the directories inside it.
    @Sendable static func scanTargets(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let mounts = mountedXFSFilesystems()
        var candidates = mounts.flatMap { [$0.mountPoint, $0.device] }.filter { $0.hasPrefix("/") }
        if mounts.contains(where: { prefix.hasPrefix($0.mountPoint == "/" ? "/" : $0.mountPoint + "/") }) {
            candidates += subdirectories(alongside: prefix)
        }
        return candidates
    }

    /// --device: comma-separated lists of data, log and rt, each once.
    @Sendable static func deviceLists(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        let typed = prefix.split(separator: ",", omittingEmptySubsequences: false).dropLast().map(String.init)
        let stem = typed.isEmpty ? "" : typed.joined(separator: ",") + ","
        return DeviceRole.allCases.map(\.rawValue).filter { !typed.contains($0) }.map { stem + $0 }
    }

    /// The directories in the directory part of `prefix` ("/srv/data/pro"
    /// lists /srv/data), with a trailing slash so that completion goes on.
    private static func subdirectories(alongside prefix: String) -> [String] {
        guard let slash = prefix.lastIndex(of: "/") else { return [] }
        let parent = String(prefix[...slash])
        guard let directory = opendir(parent) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            var st = stat()
            if stat(parent + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { names.append(parent + name + "/") }
        }
        return names.sorted()
    }
}
