// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "xfs_verify_media",
    products: [
        .executable(name: "xfs_verify_media", targets: ["xfs_verify_media"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Kernel uapi: XFS ioctls and structs, GETFSMAP, block device ioctls.
        .target(name: "CXFS"),
        // liburing, wrapped in C (its header must not meet Swift's Glibc module), and libaio.
        .target(name: "CLibURing", linkerSettings: [.linkedLibrary("uring")]),
        .systemLibrary(name: "CLibAIO", providers: [.apt(["libaio-dev"])]),
        // The scanner: probe -> space map -> plan -> engines -> pinpoint -> owners -> report.
        .target(
            name: "VerifyMedia",
            dependencies: ["CXFS", "CLibURing", "CLibAIO"]
        ),
        // The command: argument parsing and wiring only.
        .executableTarget(
            name: "xfs_verify_media",
            dependencies: [
                "VerifyMedia",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Real faulty disks for tests: fault disk + loop device + XFS.
        .target(name: "TestBed", dependencies: ["VerifyMedia", "CXFS"], path: "Tests/TestBed"),
        .testTarget(name: "ABITests", dependencies: ["CXFS"]),
        .testTarget(name: "VerifyMediaTests", dependencies: ["VerifyMedia", "TestBed"]),
    ]
)
