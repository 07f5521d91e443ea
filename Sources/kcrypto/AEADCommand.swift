#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KernelCipher

/// `enc`/`dec` options that only AEAD ciphers take.
struct AEADOptions: ParsableArguments {
    @Option(help: "AEAD associated data as hex (authenticated, not encrypted). ESP forms: the ESP header without the IV.")
    var aad: String?

    @Option(name: .customLong("aad-file"), help: "Read the AEAD associated data (raw bytes) from this file; - for stdin (then give the input with -i).")
    var aadFile: FileName?

    @Option(name: .customLong("tag-len"), help: "AEAD tag size in bytes (default: the algorithm's largest).")
    var tagLength: Int?

    /// Whether any AEAD-only option was given.
    var isGiven: Bool { aad != nil || aadFile != nil || tagLength != nil }
}

/// `kcrypto enc|dec` with an AEAD cipher: the whole input is one request. `enc` writes ciphertext ‖ tag; `dec`
/// writes the plaintext only after the tag verified, so a mismatch creates no output file and writes nothing.
struct AEADCommand {
    let options: CipherOptions

    /// A known AEAD layout, or a name the kernel binds as `aead` (not on the software engine).
    static func isAEAD(_ name: String, engine: EngineOption) -> Bool {
        if AEADTransform.knownAlgorithms.contains(name) { return true }
        guard engine != .software, case .success = AFALGBinding.check(type: .aead, name: name) else { return false }
        return true
    }

    func run(_ operation: CipherOperation) throws(CipherCommandError) {
        let cipher = options.cipher
        if options.padding != nil { throw .usage("--padding does not apply to AEAD ciphers such as \(cipher)") }
        if options.aead.aad != nil && options.aead.aadFile != nil { throw .usage("give only one of --aad and --aad-file") }
        try options.checkBeforeWork()
        let preference = try options.key.enginePreference(options.engine.preference)
        let transform: AEADTransform
        do {
            transform = try AEADTransform(cipher, tagSize: options.aead.tagLength, engine: preference,
                                          options: .init(maxInFlight: 1))
        } catch {
            throw Self.tagLengthFirst(error) ?? .cipher(error)
        }
        defer { transform.release() }
        switch try options.key.material(input: options.input) {
        case .kernelKey(let kernelKey):
            do { try transform.setKey(kernelKey) } catch { throw .cipher(error) }
        case .bytes(let secret):
            do { try transform.setKey(secret) } catch { throw .cipher(error) }
        }

        let iv = try parseIV(size: transform.ivSize)
        let associatedData = try loadAssociatedData()
        let limit = min(transform.maximumRequestSize ?? Int.max, 1 << 30)
        var data = try readAll(limit: limit, transform: transform, label: operation == .encrypt ? "enc" : "dec")
        defer { HexBytes.wipe(&data) }
        var result: [UInt8]
        do {
            result = operation == .encrypt
                ? try transform.encrypt(data, iv: iv, associatedData: associatedData)
                : try transform.decrypt(data, iv: iv, associatedData: associatedData)
        } catch {
            if case .inputTooLarge = error {
                throw .inputLength("input too large for one \(cipher) request on the \(transform.engine) engine: \(error)")
            }
            throw .cipher(error)
        }
        defer { HexBytes.wipe(&result) }
        // Only now, with the tag verified, is any output created.
        var output = try CipherOutput(path: options.output)
        try result.withUnsafeBytes { bytes in Result { () throws(CipherCommandError) in try output.write(bytes) } }.get()
        try output.commit()
    }

    /// A tag length no engine accepts is a usage error, said first (not under "no engine offers …").
    static func tagLengthFirst(_ error: KernelCipherError) -> CipherCommandError? {
        var errors = [error]
        if case .noEngineAvailable(_, let kernel, let software) = error { errors = [software, kernel] }
        for case .invalidTagLength(let length, let allowed) in errors {
            return .usage("--tag-len \(length): invalid tag length; allowed: "
                + allowed.map(String.init).joined(separator: ", ") + " bytes")
        }
        return nil
    }

    private func tooLarge(_ limit: Int, _ transform: AEADTransform) -> CipherCommandError {
        .inputLength("input too large for one \(options.cipher) request on the \(transform.engine) engine: the limit "
            + "is \(limit) bytes of associated data + ciphertext + tag (AEAD input is not split)")
    }

    /// Reads the whole input, refusing more than `limit` bytes (`--progress`: counted as read, labelled `label`).
    private func readAll(limit: Int, transform: AEADTransform, label: String) throws(CipherCommandError) -> [UInt8] {
        let input = try CipherInput(name: options.input)
        let meter = options.progress ? Progress(total: input.regularFileSize, label: label) : nil
        defer { meter?.finish() }
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        defer { HexBytes.wipe(&chunk) }
        while true {
            let n = try chunk.withUnsafeMutableBytes { buffer in
                Result { () throws(CipherCommandError) in try input.readFull(into: buffer) }
            }.get()
            if data.count + n > limit {
                HexBytes.wipe(&data)
                throw tooLarge(limit, transform)
            }
            if data.capacity < data.count + n {
                // Grow by copying into a new buffer and wiping the old one, so no plaintext copy is left behind.
                var grown = [UInt8]()
                grown.reserveCapacity(max(2 * data.capacity, data.count + n))
                grown.append(contentsOf: data)
                HexBytes.wipe(&data)
                data = grown
            }
            data.append(contentsOf: chunk[0..<n])
            meter?.advance(by: n)
            if n < chunk.count { return data }
        }
    }

    private func parseIV(size: Int) throws(CipherCommandError) -> [UInt8] {
        guard let iv = options.iv else {
            throw .usage("\(options.cipher) needs --iv with \(size) bytes (\(2 * size) hex digits)")
        }
        let bytes = try HexBytes.decode(Array(iv.utf8), what: "--iv")
        guard bytes.count == size else {
            throw .iv("--iv has \(bytes.count) bytes; \(options.cipher) needs \(size) (\(2 * size) hex digits)")
        }
        return bytes
    }

    private func loadAssociatedData() throws(CipherCommandError) -> [UInt8] {
        if let aad = options.aead.aad { return try HexBytes.decode(Array(aad.utf8), what: "--aad") }
        guard let path = options.aead.aadFile else { return [] }
        let file = try CipherInput(name: path, option: "--aad-file")
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        let n = try bytes.withUnsafeMutableBytes { buffer in
            Result { () throws(CipherCommandError) in try file.readFull(into: buffer) }
        }.get()
        guard n < bytes.count else { throw .usage("--aad-file is larger than 1 MiB") }
        return Array(bytes[0..<n])
    }
}
