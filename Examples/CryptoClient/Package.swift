// swift-tools-version:6.1
// A client written as a swift-crypto user would: it depends on swift-kcapi with the CryptoInterop trait (the
// default trait CLI off, so swift-argument-parser is never fetched) and uses `import Crypto` types at its call
// sites. Built and tested by Scripts/client-test (host, and with --kernel K in a kernel VM). Apache-2.0.
import PackageDescription

let package = Package(
    name: "CryptoClient",
    dependencies: [
        .package(name: "swift-kcapi", path: "../..", traits: ["CryptoInterop"]),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        .target(
            name: "CryptoClient",
            dependencies: [
                .product(name: "KernelCipher", package: "swift-kcapi"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "CryptoClientTests",
            dependencies: [
                "CryptoClient",
                .product(name: "KernelCipher", package: "swift-kcapi"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
