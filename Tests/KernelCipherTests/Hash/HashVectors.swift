import KernelCipherTestSupport

/// One hash/MAC known answer: algorithm, key (empty for digests), message and digest.
struct HashAnswer: Sendable, CustomStringConvertible {
    let algorithm: String
    let file: String
    let index: Int
    let key: [UInt8]
    let message: [UInt8]
    let digest: [UInt8]
    var description: String { "\(algorithm) \(file)#\(index) (\(message.count) bytes)" }
}

/// The hash suites' mapping of `VectorReader` cases in Resources/Vectors/Hash to `HashAnswer`s: CAVP
/// `Len/Msg/MD`, RFC `Key/Msg/MD`, NIST CMAC `KEY/MESSAGE/OUTPUT`.
enum HashVectors {
    static func load(_ file: String, algorithm: String) -> [HashAnswer] {
        VectorReader.read(file, in: "Hash").enumerated().map { index, r in
            var message = r.bytes("MSG", "MESSAGE")
            // CAVP: "Len = 0" comes with "Msg = 00"; Len (bits) is authoritative.
            if file.hasSuffix(".rsp") { message = Array(message.prefix(r.int("LEN") / 8)) }
            return HashAnswer(algorithm: algorithm, file: file, index: index, key: r.bytes("KEY", or: []),
                              message: message, digest: r.bytes("MD", "OUTPUT"))
        }
    }

    /// Every vendored vector, by kernel algorithm name.
    static let all: [HashAnswer] = {
        var all: [HashAnswer] = []
        for (name, file) in [("sha1", "SHA1"), ("sha224", "SHA224"), ("sha256", "SHA256"), ("sha384", "SHA384"),
                             ("sha512", "SHA512")] {
            all += load("\(file)ShortMsg.rsp", algorithm: name) + load("\(file)LongMsg.rsp", algorithm: name)
        }
        for bits in [224, 256, 384, 512] {
            all += load("SHA3_\(bits)ShortMsg.rsp", algorithm: "sha3-\(bits)")
                + load("SHA3_\(bits)LongMsg.rsp", algorithm: "sha3-\(bits)")
        }
        all += load("rfc-2202-sha1.txt", algorithm: "hmac(sha1)")
        for bits in [224, 256, 384, 512] { all += load("rfc-4231-sha\(bits).txt", algorithm: "hmac(sha\(bits))") }
        for bits in [128, 192, 256] { all += load("nist-800-38b-aes\(bits).txt", algorithm: "cmac(aes)") }
        return all
    }()

    /// Every algorithm with vectors.
    static var algorithms: [String] { Array(Set(all.map(\.algorithm))).sorted() }

    /// A subset for the kernel runs: per algorithm the first, last and every `stride`-th vector.
    static func subset(stride: Int) -> [HashAnswer] {
        Dictionary(grouping: all, by: \.algorithm).values.flatMap { group in
            group.enumerated().filter { $0.offset % stride == 0 || $0.offset == group.count - 1 }.map(\.element)
        }
    }
}
