import Glibc

/// `mkdir -p`: creates `path` and the directories above it that are
/// missing, each with `mode` (less the umask); existing ones stay as they are.
public func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(Errno) {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, mode) == 0 { continue }
        let error = Errno.current
        var st = stat()
        guard error == Errno(EEXIST), stat(prefix, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw error == Errno(EEXIST) ? .ENOTDIR : error
        }
    }
}

/// The names in the directory at `path` (without "." and ".."); empty when
/// it cannot be read.
public func directoryEntries(_ path: String) -> [String] {
    guard let handle = opendir(path) else { return [] }
    defer { closedir(handle) }
    var names: [String] = []
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
