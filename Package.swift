// swift-tools-version:6.1
// swift-kcapi — Licensed under the Apache License, Version 2.0 (see LICENSE). Linux only (AF_ALG).
import PackageDescription

let package = Package(
    name: "swift-kcapi",
    products: [
        .library(name: "KernelCipher", targets: ["KernelCipher"]),
        .executable(name: "kcrypto", targets: ["kcrypto"]),
        .executable(name: "kcapi-c-baseline", targets: ["kcapi-c-baseline"]),
    ],
    // "CLI" builds the `kcrypto` tool and is what this package's own `swift build`/`swift test` get (default).
    // A package that only needs the library adds `traits: []` to its `.package(...)` line, and SwiftPM then
    // neither fetches nor builds swift-argument-parser (see README, "Using the library").
    traits: [
        .trait(name: "CLI", description: "Builds the kcrypto command-line tool (needs swift-argument-parser)."),
        // Off by default: a client enables it with `traits: ["CryptoInterop"]` (README, "Coming from swift-crypto").
        .trait(
            name: "CryptoInterop",
            description: "swift-crypto interop: HashFunction conformances, AES.GCM/ChaChaPoly sealed boxes, SymmetricKey."),
        .default(enabledTraits: ["CLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        // libkcapi plus the kernel UAPI headers (if_alg.h, aio_abi.h, eventfd) the AF_ALG engine drives.
        .systemLibrary(name: "CKCAPI", pkgConfig: "libkcapi", providers: [.apt(["libkcapi-dev"])]),
        // OpenSSL libcrypto (EVP) for the software engine.
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(
            name: "KernelCipher",
            dependencies: [
                "CKCAPI", "CLibCrypto",
                .product(name: "Crypto", package: "swift-crypto", condition: .when(traits: ["CryptoInterop"])),
            ],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
                .enableUpcomingFeature("ExistentialAny"),
            ]
        ),
        .executableTarget(
            name: "kcrypto",
            dependencies: [
                "KernelCipher",
                .product(name: "ArgumentParser", package: "swift-argument-parser", condition: .when(traits: ["CLI"])),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        // Raw C loops (OpenSSL EVP, libkcapi, raw AF_ALG) that `kcrypto speed` is compared against (Scripts/bench).
        .executableTarget(
            name: "kcapi-c-baseline",
            path: "Benchmarks/CBaseline",
            linkerSettings: [.linkedLibrary("crypto"), .linkedLibrary("kcapi")]
        ),
        // What both test targets share: the "needs AF_ALG" condition (`.requiresAFALG`) and the /proc/crypto
        // fixtures (`Fixtures`, from its Resources/).
        .target(
            name: "KernelCipherTestSupport",
            dependencies: ["KernelCipher"],
            path: "Tests/KernelCipherTestSupport",
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "KernelCipherTests",
            dependencies: ["KernelCipher", "KernelCipherTestSupport"],
            resources: [.copy("Resources")]
        ),
        .testTarget(
            name: "kcryptoTests",
            dependencies: ["KernelCipher", "kcrypto", "KernelCipherTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
