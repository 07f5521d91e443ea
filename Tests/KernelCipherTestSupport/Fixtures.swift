import Foundation

/// The committed test fixtures both test targets share (`Resources/`, this target's `Bundle.module`).
public enum Fixtures {
    /// A hand-written `/proc/crypto` excerpt (`Resources/proc-crypto-sample.txt`): one name with two drivers
    /// (skcipher at priority 400 and lskcipher at 101), an internal helper, an aead, a shash, an rng and a cipher.
    public static let procCryptoSample: String = {
        guard let url = Bundle.module.url(forResource: "proc-crypto-sample", withExtension: "txt"),
              let data = FileManager.default.contents(atPath: url.path)
        else { fatalError("proc-crypto-sample.txt missing from \(Bundle.module.bundlePath)") }
        return String(decoding: data, as: UTF8.self)
    }()

    /// `/proc/crypto` captured from real kernels (`Resources/Snapshots/proc-crypto-<release>.txt`), sorted by name.
    public static var procCryptoSnapshots: [URL] {
        guard let directory = Bundle.module.url(forResource: "Snapshots", withExtension: nil, subdirectory: "Resources"),
              let files = try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
        else { return [] }
        return files.filter { $0.lastPathComponent.hasPrefix("proc-crypto-") && $0.pathExtension == "txt" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// The build products directory (`swift build --show-bin-path`): the resource bundles sit beside the built
    /// executables there.
    public static var buildProductsDirectory: URL { Bundle.module.bundleURL.deletingLastPathComponent() }
}
