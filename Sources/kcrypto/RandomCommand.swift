#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

extension Kcrypto {
    /// `kcrypto rng`: random bytes from a kernel rng (`algif_rng`) or OpenSSL's `RAND_bytes`.
    struct Rng: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rng",
            abstract: "Write random bytes from a kernel rng (like kcapi-rng) or OpenSSL's RAND_bytes.",
            discussion: """
                Names: stdrng (the kernel's default DRBG; the only name the software engine serves), \
                drbg_nopr_hmac_sha256, drbg_pr_ctr_aes256 and the other drbg_* DRBGs, jitterentropy_rng, or any rng \
                in /proc/crypto. The kernel generator is seeded when it is made. Linux 7.2 and later offer only \
                jitterentropy_rng through AF_ALG, and af_alg_restrict=1 (7.3) none: with --engine auto, stdrng then \
                comes from the software engine. Output is written in 64 KiB pieces (constant memory); with -o FILE \
                it goes to a temporary file renamed into place on success.
                """
        )

        @Option(name: [.short, .customLong("bytes")], parsing: .unconditional, help: "Number of random bytes to write.")
        var n: Int

        @Option(name: [.short, .long], help: "Kernel rng name.")
        var cipher: String = "stdrng"

        @Option(help: "auto (kernel when AF_ALG serves the name, else software), kernel or software.")
        var engine: EngineOption = .auto

        @Option(name: [.short, .customLong("out")], help: "Output file; - or none: stdout.")
        var output: FileName?

        @Flag(help: "Show bytes done, rate and ETA on stderr (redrawn on a terminal, a line every 10 s otherwise).")
        var progress = false

        @Flag(help: "Write lowercase hex and a newline instead of raw bytes.")
        var hex = false

        /// Bytes generated and written per round.
        static let piece = 64 << 10

        func run() async throws {
            do {
                try perform()
            } catch {
                throw error.exit()
            }
        }

        private func perform() throws(CipherCommandError) {
            guard n >= 0 else { throw .usage("-n \(n): the number of bytes is negative; give 0 or more") }
            if output?.isEmpty == true { throw .usage("-o: the file name is empty") }
            let rng: RandomTransform
            do { rng = try RandomTransform(cipher, engine: engine.preference) } catch { throw .cipher(error) }
            defer { rng.release() }
            var out = try CipherOutput(path: output)
            let size = min(n, Self.piece)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
            let text = UnsafeMutableRawBufferPointer.allocate(byteCount: hex ? 2 * size : 0, alignment: 16)
            defer {  // the bytes may become someone's key: zeroed before the memory is freed
                cleanse(buffer); buffer.deallocate()
                cleanse(text); text.deallocate()
            }
            let meter = progress ? Progress(total: n, label: "rng") : nil
            var left = n
            while left > 0 {
                let count = min(left, size)
                let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
                do throws(KernelCipherError) { try rng.fill(part) } catch { throw .cipher(error) }
                if hex {
                    Self.encodeHex(UnsafeRawBufferPointer(part), into: text)
                    try out.write(UnsafeRawBufferPointer(rebasing: text[0..<(2 * count)]))
                } else {
                    try out.write(UnsafeRawBufferPointer(part))
                }
                left -= count
                meter?.advance(by: count)
            }
            if hex && n > 0 {
                let newline: StaticString = "\n"
                try out.write(UnsafeRawBufferPointer(start: newline.utf8Start, count: 1))
            }
            try out.commit()
            meter?.finish()
        }

        /// Lowercase hex of `bytes` into the first `2 * bytes.count` bytes of `digits`.
        static func encodeHex(_ bytes: UnsafeRawBufferPointer, into digits: UnsafeMutableRawBufferPointer) {
            let alphabet: StaticString = "0123456789abcdef"
            alphabet.withUTF8Buffer { table in
                for (i, byte) in bytes.enumerated() {
                    digits[2 * i] = table[Int(byte >> 4)]
                    digits[2 * i + 1] = table[Int(byte & 0x0f)]
                }
            }
        }
    }
}
