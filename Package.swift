// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "swift-kcapi",
    products: [
        .library(name: "KernelCipher", targets: ["KernelCipher"]),
        .executable(name: "kcrypto", targets: ["kcrypto"]),
        .executable(name: "kcapi-c-baseline", targets: ["kcapi-c-baseline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // libkcapi plus the kernel UAPI headers (if_alg.h, aio_abi.h, eventfd) the AF_ALG engine drives.
        .systemLibrary(name: "CKCAPI", pkgConfig: "libkcapi", providers: [.apt(["libkcapi-dev"])]),
        // OpenSSL libcrypto (EVP) for the software engine.
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "KernelCipher",
            dependencies: ["CKCAPI", "CLibCrypto"],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
        .executableTarget(
            name: "kcrypto",
            dependencies: [
                "KernelCipher",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        // Raw C loops (OpenSSL EVP, libkcapi, raw AF_ALG) that `kcrypto speed` is compared against (Scripts/bench).
        .executableTarget(
            name: "kcapi-c-baseline",
            path: "Benchmarks/CBaseline",
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("kcapi")]
        ),
        .testTarget(
            name: "KernelCipherTests",
            dependencies: ["KernelCipher"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "kcryptoTests",
            dependencies: ["KernelCipher", "kcrypto"],
            resources: [.copy("Resources")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
