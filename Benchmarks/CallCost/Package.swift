// swift-tools-version:6.1
// Instructions per call, cross-module (issue 22, targets 4 and 5): a client of KernelCipher that calls one form in a
// loop; Scripts/lib/bench-callcost.sh runs it under callgrind at n and 0 iterations and divides the difference.
// Apache-2.0, as the package it measures.
import PackageDescription

let package = Package(
    name: "callcost",
    dependencies: [.package(name: "swift-kcapi", path: "../..", traits: [])],
    targets: [
        .executableTarget(name: "callcost", dependencies: [.product(name: "KernelCipher", package: "swift-kcapi")]),
    ]
)
