// The expected numbers in this target were computed by gcc 12 on x86_64 from
// the Linux 7.0 header fs/xfs/libxfs/xfs_fs.h (repository ziuziakowska/linux,
// commit bf7834835523001e82ba8d13c2090218d282fdb7, with its non-upstream
// `__u64ptr` replaced by upstream's `__u64`) and the system's <linux/fsmap.h>
// and <linux/fs.h>: a throwaway C program printed sizeof, _Alignof, offsetof
// and every ioctl/flag value, and the printed numbers are written here as
// literals. They do not come from CXFS.h, which is what these tests check.

import Testing

/// Checks the Swift import of one C struct against the layout the kernel
/// header gives it: size, stride (arrays of fsmap or bulkstat records step
/// by sizeof) and alignment, the names and order of its fields, and the byte
/// offset of every field.
///
/// `offsets` lists every field of the kernel's struct in declaration order,
/// except flexible array members, which Swift does not import.
func expectLayout<T>(
    of value: T,
    size: Int,
    alignment: Int,
    offsets: KeyValuePairs<PartialKeyPath<T>, Int>,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let name = "struct \(T.self)"
    #expect(MemoryLayout<T>.size == size, "sizeof(\(name))", sourceLocation: sourceLocation)
    #expect(MemoryLayout<T>.stride == size, "stride of \(name)", sourceLocation: sourceLocation)
    #expect(MemoryLayout<T>.alignment == alignment, "_Alignof(\(name))", sourceLocation: sourceLocation)

    // No field missing, extra or out of order.
    let imported = Mirror(reflecting: value).children.map { $0.label ?? "?" }
    let expected = offsets.map { fieldName($0.key) }
    #expect(imported == expected, "fields of \(name)", sourceLocation: sourceLocation)

    for (field, offset) in offsets {
        #expect(
            MemoryLayout<T>.offset(of: field) == offset,
            "offsetof(\(name), \(fieldName(field)))",
            sourceLocation: sourceLocation
        )
    }
}

/// "me_dev" for `\xfs_verify_media.me_dev`.
private func fieldName<T>(_ keyPath: PartialKeyPath<T>) -> String {
    String(String(describing: keyPath).split(separator: ".").last ?? "?")
}
