import Foundation
import KernelCipherTestSupport
import Testing

/// A scratch directory for one test's files, removed when released.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kcrypto-encdec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// The path of `name` inside the directory.
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Writes `bytes` to `name` and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: url.appendingPathComponent(name))
        return path(name)
    }

    /// The contents of `name`.
    func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: url.appendingPathComponent(name))) }

    /// Every entry in the directory, hidden ones included, sorted.
    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: url.path).sorted() }
}

/// One algorithm with a key and IV to run `enc`/`dec` with.
struct CipherCase: Sendable, CustomTestStringConvertible {
    var algorithm: String
    var key: String
    var iv: String?
    /// Block size when PKCS#7 is the default (ecb/cbc), else nil.
    var paddedBlock: Int?
    /// Smallest input the algorithm accepts.
    var minimum = 0

    var testDescription: String { "\(algorithm) (\(key.count * 4)-bit key)" }

    /// `-c ALG --key K [--iv IV]`.
    var arguments: [String] { ["-c", algorithm, "--key", key] + (iv.map { ["--iv", $0] } ?? []) }

    /// The ciphertext length for `n` bytes of plaintext with the default padding.
    func ciphertextLength(_ n: Int) -> Int { paddedBlock.map { (n / $0 + 1) * $0 } ?? n }

    static let key16 = "000102030405060708090a0b0c0d0e0f"
    static let key32 = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
    static let iv16 = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

    static let cbc128 = CipherCase(algorithm: "cbc(aes)", key: key16, iv: iv16, paddedBlock: 16)
    static let cbc256 = CipherCase(algorithm: "cbc(aes)", key: key32, iv: iv16, paddedBlock: 16)
    static let ecb128 = CipherCase(algorithm: "ecb(aes)", key: key16, iv: nil, paddedBlock: 16)
    static let ctr256 = CipherCase(algorithm: "ctr(aes)", key: key32, iv: iv16)
    static let chacha20 = CipherCase(algorithm: "chacha20", key: key32, iv: "01000000" + String(iv16.dropFirst(8)))
    static let xts128 = CipherCase(algorithm: "xts(aes)", key: key32, iv: iv16, minimum: 16)
    static let cts128 = CipherCase(algorithm: "cts(cbc(aes))", key: key16, iv: iv16, minimum: 16)
    static let rfc3686 = CipherCase(algorithm: "rfc3686(ctr(aes))", key: key16 + "00000030", iv: "0001020304050607")
    static let des3CBC = CipherCase(algorithm: "cbc(des3_ede)", key: key16 + "1011121314151617",
                                    iv: "0001020304050607", paddedBlock: 8)

    /// Algorithms whose IV kcrypto chains across requests (or that need none).
    static let streamable = [cbc128, cbc256, ecb128, ctr256, chacha20, des3CBC]
    /// Every case.
    static let all = streamable + [xts128, cts128, rfc3686]
}

/// `kcrypto enc|dec` on files in `scratch`; requires success and returns the output file's bytes.
func runCipher(_ command: String, _ c: CipherCase, in scratch: Scratch, input: String, output: String,
               extra: [String] = []) throws -> [UInt8] {
    let out = try KcryptoProcess.run([command] + c.arguments + ["-i", scratch.path(input), "-o", scratch.path(output)]
        + extra)
    try #require(out.status == 0, "\(command) \(c.algorithm) \(extra): \(out.stderr)")
    #expect(out.stdout.isEmpty && out.diagnostics.isEmpty)
    return try scratch.read(output)
}
