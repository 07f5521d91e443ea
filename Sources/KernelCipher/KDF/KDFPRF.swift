/// A KDF's master key: bytes the caller gave (copied into zeroizing storage), or a kernel keyring key that keys the
/// PRF by serial and never enters the process.
enum KDFMasterKey {
    /// Key bytes, wiped when the last copy goes.
    case bytes(SecureBytes)
    /// A keyring key (`ALG_SET_KEY_BY_KEY_SERIAL`): kernel engine only.
    case kernel(KernelKey)
}

/// The pseudorandom function of a key derivation: a keyed hash of the hash family (`hmac(sha256)`, `cmac(aes)`),
/// chosen once on the preferred engine by `HashTransform`'s selection (so `.automatic` explains its choice and
/// respects `af_alg_restrict`), then allocated per derivation on that engine and keyed with the derivation's key.
struct KDFPRF: Sendable {
    /// The kernel name, e.g. `hmac(sha256)`.
    let algorithm: String
    /// The engine the hash family chose for the PRF, and why.
    let selection: EngineSelection
    /// The PRF's output length in bytes (HashLen, h).
    let outputSize: Int
    /// Accepted key lengths, or nil for any (hmac).
    let keySizes: [Int]?

    /// Selects `algorithm` on `engine` (allocating one hash transform and releasing it); refuses an unkeyed hash and,
    /// when `hmacOnly`, any MAC other than HMAC (`.unsuitablePRF`).
    init(_ algorithm: String, engine: EnginePreference, hmacOnly: Bool, kdf: String) throws(KernelCipherError) {
        if hmacOnly, !Self.isHMAC(algorithm) {
            throw .unsuitablePRF(algorithm, reason: "\(kdf) is defined over an HMAC, e.g. hmac(sha256)")
        }
        let probe = try HashTransform(algorithm, engine: engine)
        defer { probe.release() }
        guard probe.isKeyed else {
            throw .unsuitablePRF(algorithm, reason: "it is an unkeyed hash; use a MAC such as hmac(\(algorithm))")
        }
        self.algorithm = algorithm
        self.selection = probe.selection
        self.outputSize = probe.digestSize
        self.keySizes = probe.keySizes
    }

    /// Whether `name` is `hmac(…)`.
    static func isHMAC(_ name: String) -> Bool { name.hasPrefix("hmac(") && name.hasSuffix(")") }

    /// The digest inside `hmac(…)` (OpenSSL spells kernel digest names the same way: `sha256`, `sha3-256`).
    var hmacDigest: String? {
        Self.isHMAC(algorithm) ? String(algorithm.dropFirst(5).dropLast()) : nil
    }

    /// Throws `.invalidKeyLength` unless `count` is a key length the PRF accepts.
    func checkKeyLength(_ count: Int) throws(KernelCipherError) {
        if let keySizes, !keySizes.contains(count) { throw .invalidKeyLength(count, allowed: keySizes) }
    }

    /// Throws `.invalidDerivedKeyLength` unless `1 ≤ count ≤ blocks · outputSize` (and fits memory arithmetic).
    func checkLength(_ count: Int, maximumBlocks: Int) throws(KernelCipherError) {
        let (maximum, overflow) = maximumBlocks.multipliedReportingOverflow(by: outputSize)
        let limit = overflow ? Int.max : maximum
        guard count >= 1, count <= limit else { throw .invalidDerivedKeyLength(count, maximum: limit) }
    }

    /// A fresh PRF instance on the selected engine (pinned, so a derivation never switches engines), keyed with
    /// `key`; a keyring key on the software engine throws `.kernelKey(.requiresKernelEngine)`.
    func keyed(_ key: KDFMasterKey) throws(KernelCipherError) -> KeyedPRF {
        let transform = try HashTransform(algorithm, engine: selection.engine == .kernel ? .kernel : .software)
        do throws(KernelCipherError) {
            switch key {
            case .bytes(let secure):
                try checkKeyLength(secure.count)
                try secure.withUnsafeBytes { (bytes) throws(KernelCipherError) in try transform.setKey(bytes) }
            case .kernel(let kernelKey):
                guard selection.engine == .kernel else {
                    throw .kernelKey(.requiresKernelEngine(
                        reason: "\(algorithm) runs on the software engine (\(selection.reason))"))
                }
                try transform.setKey(kernelKey)
            }
            return try KeyedPRF(transform: transform)
        } catch {
            transform.release()
            throw error
        }
    }
}

/// One keyed PRF instance and one streaming state on it (an AF_ALG op socket or an `EVP_MAC_CTX`), used by one
/// derivation on one thread.
final class KeyedPRF {
    private let transform: HashTransform
    private let state: any HashState
    /// The PRF's output length in bytes.
    let outputSize: Int

    init(transform: HashTransform) throws(KernelCipherError) {
        self.transform = transform
        self.outputSize = transform.digestSize
        self.state = try transform.hashEngine.makeState()
    }

    deinit { transform.release() }

    /// Feeds bytes into the current PRF invocation.
    func update(_ bytes: UnsafeRawBufferPointer) throws(KernelCipherError) {
        guard bytes.count > 0 else { return }
        try state.update(bytes)
    }

    /// Feeds `bytes`.
    func update(_ bytes: [UInt8]) throws(KernelCipherError) {
        try withBytes(bytes) { (raw) throws(KernelCipherError) in try update(raw) }
    }

    /// Feeds the 32-bit big-endian counter `value`.
    func update(counter value: UInt32) throws(KernelCipherError) {
        var bigEndian = value.bigEndian
        try withUnsafeBytes(of: &bigEndian) { (raw) throws(KernelCipherError) in try update(raw) }
    }

    /// One whole invocation over `input` into `output` (exactly `outputSize` bytes; may be the same memory): on the
    /// kernel engine one `sendmsg` that finishes the hash and one `read`.
    func digest(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        try state.digest(input, into: output)
    }

    /// Ends the invocation: writes `output.count ≤ outputSize` bytes of the PRF's output (the first ones) and
    /// starts a fresh invocation under the same key.
    func finish(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        if output.count == outputSize {
            try state.finish(into: output)
            return
        }
        try withScratch(outputSize) { (block) throws(KernelCipherError) in
            try state.finish(into: block)
            output.copyMemory(from: UnsafeRawBufferPointer(rebasing: block[0..<output.count]))
        }
    }
}

/// Runs `body` with `count` zeroed bytes of scratch memory that are wiped (`cleanse`) and freed afterwards.
func withScratch<R>(
    _ count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> R
) throws(KernelCipherError) -> R {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
    buffer.initializeMemory(as: UInt8.self, repeating: 0)
    defer {
        cleanse(buffer)
        buffer.deallocate()
    }
    return try body(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
}

/// Derives `count` bytes through `fill` into scratch memory and returns them as `SecretBytes` (the scratch is wiped).
func deriveSecret(
    count: Int, _ fill: (UnsafeMutableRawBufferPointer) throws(KernelCipherError) -> Void
) throws(KernelCipherError) -> SecretBytes {
    try withScratch(count) { (output) throws(KernelCipherError) in
        try fill(output)
        return SecretBytes(SecureBytes(copying: UnsafeRawBufferPointer(output)))
    }
}
