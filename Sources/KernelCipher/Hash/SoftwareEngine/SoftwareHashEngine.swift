internal import CLibCrypto

/// The software engine for hashes and MACs: OpenSSL's `EVP_MD` (`EVP_Digest*`) for plain digests, `EVP_MAC`
/// ("HMAC" with a digest parameter, "CMAC" with a cipher parameter) for keyed ones. Kernel names map directly:
/// `sha256` → `EVP_MD_fetch("sha256")`, `hmac(sha3-256)` → HMAC over `sha3-256`, `cmac(aes)` → CMAC over
/// `aes-<bits>-cbc` chosen by the key length.
final class SoftwareHashEngine: HashEngine, @unchecked Sendable {
    let kind = EngineKind.software
    /// The facts; `driver` names the CMAC cipher for the key set last.
    var facts: HashProperties { state.withLock { $0.facts } }
    private enum Kind { case digest, hmac(digest: String), cmac }
    private let algorithm: String
    private let kindOfAlgorithm: Kind
    /// The fetched digest (`EVP_MD_fetch`), for plain digests; nil for MACs.
    private let md: EVPDigest?
    private struct State { var facts: HashProperties; var template: EVPMACTemplate? }
    private let state: LockedValue<State>

    init(algorithm: String) throws(KernelCipherError) {
        self.algorithm = algorithm
        let facts: HashProperties
        if algorithm.hasPrefix("hmac("), algorithm.hasSuffix(")") {
            let inner = String(algorithm.dropFirst(5).dropLast())
            guard let digest = EVPDigest(name: inner) else { throw .algorithmNotFound(algorithm, engine: .software) }
            kindOfAlgorithm = .hmac(digest: inner)
            md = nil
            facts = HashProperties(
                digestSize: digest.size, blockSize: digest.blockSize, isKeyed: true, keySizes: nil,
                driver: "openssl:hmac-\(inner)")
        } else if algorithm == "cmac(aes)" {
            kindOfAlgorithm = .cmac
            md = nil
            facts = HashProperties(
                digestSize: 16, blockSize: 16, isKeyed: true, keySizes: [16, 24, 32], driver: "openssl:cmac-aes-128-cbc")
        } else {
            // Only names OpenSSL fetches as digests, and never a keyed kernel template spelled otherwise.
            guard !HashProperties.isKeyedName(algorithm), let digest = EVPDigest(name: algorithm), digest.size > 0 else {
                throw .algorithmNotFound(algorithm, engine: .software)
            }
            kindOfAlgorithm = .digest
            md = digest
            facts = HashProperties(
                digestSize: digest.size, blockSize: digest.blockSize, isKeyed: false, keySizes: nil,
                driver: "openssl:\(algorithm)")
        }
        state = LockedValue(State(facts: facts, template: nil))
    }

    /// Whether OpenSSL offers `algorithm` here.
    static func isAvailable(_ algorithm: String) -> Bool {
        (try? SoftwareHashEngine(algorithm: algorithm)) != nil
    }

    /// `EVP_MAC_CTX_new` + `EVP_MAC_init(key, params)`: a keyed template each state is duplicated from.
    func setKey(_ key: SecureBytes) throws(KernelCipherError) {
        defer { key.wipe() }
        let template: EVPMACTemplate
        var driver = facts.driver
        switch kindOfAlgorithm {
        case .digest: return
        case .hmac(let digest):
            template = try EVPMACTemplate(mac: "HMAC", parameter: OSSL_MAC_PARAM_DIGEST, value: digest, key: key)
        case .cmac:
            let cipher = "aes-\(key.count * 8)-cbc"
            template = try EVPMACTemplate(mac: "CMAC", parameter: OSSL_MAC_PARAM_CIPHER, value: cipher, key: key)
            driver = "openssl:cmac-\(cipher)"
        }
        state.withLock {
            $0.template = template
            $0.facts.driver = driver
        }
    }

    func makeState() throws(KernelCipherError) -> any HashState {
        if let md {
            return try SoftwareDigestState(md: md)
        }
        guard let template = state.withLock({ $0.template }) else { throw .keyNotSet }
        return try SoftwareMACState(duplicating: template.context, size: facts.digestSize)
    }

    func release() { state.withLock { $0.template = nil } }
}

/// A fetched `EVP_MD` (`EVP_MD_fetch`), freed with `EVP_MD_free`.
final class EVPDigest: @unchecked Sendable {
    let md: OpaquePointer
    /// `EVP_MD_get_size`.
    let size: Int
    /// `EVP_MD_get_block_size`.
    let blockSize: Int

    /// `EVP_MD_fetch(NULL, name, NULL)`; nil when OpenSSL has no such digest (the error queue is cleared).
    init?(name: String) {
        guard let md = EVP_MD_fetch(nil, name, nil) else {
            ERR_clear_error()
            return nil
        }
        self.md = md
        size = Int(EVP_MD_get_size(md))
        blockSize = Int(EVP_MD_get_block_size(md))
    }

    deinit { EVP_MD_free(md) }
}

/// A keyed `EVP_MAC_CTX` (`EVP_MAC_init` done) that states are duplicated from; freed (and cleansed) with
/// `EVP_MAC_CTX_free` when the last user drops it.
final class EVPMACTemplate: @unchecked Sendable {
    let context: OpaquePointer

    /// `EVP_MAC_fetch(mac)` + `EVP_MAC_CTX_new` + `EVP_MAC_init(key, {parameter: value})`.
    init(mac name: String, parameter: UnsafePointer<CChar>, value: String, key: SecureBytes) throws(KernelCipherError) {
        guard let mac = EVP_MAC_fetch(nil, name, nil) else { throw openSSLError("EVP_MAC_fetch(\(name))") }
        defer { EVP_MAC_free(mac) }
        guard let context = EVP_MAC_CTX_new(mac) else { throw openSSLError("EVP_MAC_CTX_new") }
        var value = Array(value.utf8CString)
        let ok = value.withUnsafeMutableBufferPointer { valuePointer in
            var params = [OSSL_PARAM_construct_utf8_string(parameter, valuePointer.baseAddress, 0),
                          OSSL_PARAM_construct_end()]
            return key.withUnsafeBytes { bytes in
                // A non-NULL pointer even for an empty key: NULL would mean "keep the previous key".
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { empty in
                    let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(empty.baseAddress!)
                    return EVP_MAC_init(context, base, bytes.count, &params) == 1
                }
            }
        }
        guard ok else {
            EVP_MAC_CTX_free(context)
            throw .keyRejected(reason: "OpenSSL EVP_MAC_init: \(drainOpenSSLErrors())")
        }
        self.context = context
    }

    deinit { EVP_MAC_CTX_free(context) }
}

/// A plain digest's streaming state: one `EVP_MD_CTX`.
final class SoftwareDigestState: HashState {
    private let context: OpaquePointer
    private let md: EVPDigest
    /// `EVP_DigestFinal_ex` leaves the context needing `EVP_DigestInit_ex2`; done lazily on next use.
    private var needsInit = false

    /// `EVP_MD_CTX_new` + `EVP_DigestInit_ex2`.
    init(md: EVPDigest) throws(KernelCipherError) {
        guard let context = EVP_MD_CTX_new() else { throw openSSLError("EVP_MD_CTX_new") }
        self.context = context
        self.md = md
        guard EVP_DigestInit_ex2(context, md.md, nil) == 1 else { throw openSSLError("EVP_DigestInit_ex2") }
    }

    /// `EVP_MD_CTX_new` + `EVP_MD_CTX_copy_ex`.
    private init(copying other: SoftwareDigestState) throws(KernelCipherError) {
        guard let context = EVP_MD_CTX_new() else { throw openSSLError("EVP_MD_CTX_new") }
        self.context = context
        self.md = other.md
        self.needsInit = other.needsInit
        if !needsInit, EVP_MD_CTX_copy_ex(context, other.context) != 1 { throw openSSLError("EVP_MD_CTX_copy_ex") }
    }

    deinit { EVP_MD_CTX_free(context) }

    private func reinitIfNeeded() throws(KernelCipherError) {
        guard needsInit else { return }
        guard EVP_DigestInit_ex2(context, md.md, nil) == 1 else { throw openSSLError("EVP_DigestInit_ex2") }
        needsInit = false
    }

    /// `EVP_DigestUpdate`.
    func update(_ data: UnsafeRawBufferPointer) throws(KernelCipherError) {
        try reinitIfNeeded()
        guard data.count > 0 else { return }
        guard EVP_DigestUpdate(context, data.baseAddress, data.count) == 1 else { throw openSSLError("EVP_DigestUpdate") }
    }

    /// `EVP_DigestFinal_ex`.
    func finish(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        try reinitIfNeeded()
        var length: UInt32 = 0
        let ok = EVP_DigestFinal_ex(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        needsInit = true
        guard ok == 1, Int(length) == output.count else { throw openSSLError("EVP_DigestFinal_ex") }
    }

    func copy() throws(KernelCipherError) -> any HashState { try SoftwareDigestState(copying: self) }
}

/// A MAC's streaming state: one keyed `EVP_MAC_CTX`.
final class SoftwareMACState: HashState {
    private let context: OpaquePointer
    private let size: Int

    /// `EVP_MAC_CTX_dup`: the template's key and partial input.
    init(duplicating template: OpaquePointer, size: Int) throws(KernelCipherError) {
        guard let context = EVP_MAC_CTX_dup(template) else { throw openSSLError("EVP_MAC_CTX_dup") }
        self.context = context
        self.size = size
    }

    deinit { EVP_MAC_CTX_free(context) }

    /// `EVP_MAC_update`.
    func update(_ data: UnsafeRawBufferPointer) throws(KernelCipherError) {
        guard data.count > 0 else { return }
        guard EVP_MAC_update(context, data.baseAddress?.assumingMemoryBound(to: UInt8.self), data.count) == 1 else {
            throw openSSLError("EVP_MAC_update")
        }
    }

    /// `EVP_MAC_final`, then `EVP_MAC_init(ctx, NULL, 0, NULL)`: the same key, no input.
    func finish(into output: UnsafeMutableRawBufferPointer) throws(KernelCipherError) {
        var length = 0
        let ok = EVP_MAC_final(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length, output.count)
        guard ok == 1, length == output.count else { throw openSSLError("EVP_MAC_final") }
        guard EVP_MAC_init(context, nil, 0, nil) == 1 else { throw openSSLError("EVP_MAC_init") }
    }

    func copy() throws(KernelCipherError) -> any HashState { try SoftwareMACState(duplicating: context, size: size) }
}
