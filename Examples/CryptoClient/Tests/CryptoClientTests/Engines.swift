import Crypto
import Foundation
import KernelCipher
import Testing

/// Which engines this run checks: software always; the kernel where AF_ALG serves the algorithms, and always when
/// KCAPI_REQUIRE_AF_ALG=1 (the kernel VM run), where a missing AF_ALG is then a failure, never a skip.
enum Engines {
    static let kernelRequired = ProcessInfo.processInfo.environment["KCAPI_REQUIRE_AF_ALG"] == "1"
    static let kernelAvailable = HashTransform.isAvailable("sha256", engine: .kernel)
        && AEADTransform.isAvailable("gcm(aes)", engine: .kernel)
        && AEADTransform.isAvailable(KernelChaChaPoly.chaChaPolyAlgorithm, engine: .kernel)
    static let runKernel = kernelAvailable || kernelRequired

    /// Seeded bytes (SplitMix64), so a failure names a reproducible input.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var state = seed
        return (0..<count).map { _ in
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt8(truncatingIfNeeded: z ^ (z >> 31))
        }
    }

    /// Message lengths around block and chunk boundaries, 0 and beyond 64 KiB included.
    static let lengths = [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000, 4097, 70_000]

    /// Fewer lengths for the one-shot AEAD calls on the kernel engine: each makes and keys its own transform, about
    /// 0.25 s under QEMU's TCG (the kernel run has to stay short).
    static let kernelAEADLengths = [0, 17, 4097, 70_000]

    /// The lengths an AEAD run on `engine` uses.
    static func aeadLengths(_ engine: EnginePreference) -> [Int] { engine == .kernel ? kernelAEADLengths : lengths }
}
