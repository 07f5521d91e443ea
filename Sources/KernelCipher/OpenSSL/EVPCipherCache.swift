internal import CLibCrypto

/// A process-wide cache of fetched `EVP_CIPHER`s (`EVP_CIPHER_fetch` once per name, never freed).
enum EVPCipherCache {
    private struct Fetched: @unchecked Sendable { let raw: OpaquePointer? }
    private static let cache = LockedValue<[String: Fetched]>([:])

    /// The fetched cipher for an EVP name, or nil when the installed OpenSSL lacks it (`EVP_CIPHER_fetch`).
    static func cipher(named name: String) -> OpaquePointer? {
        if let hit = cache.withLock({ $0[name] }) { return hit.raw }
        let fetched = Fetched(raw: EVP_CIPHER_fetch(nil, name, nil))
        ERR_clear_error()
        let winner = cache.withLock { table -> Fetched in
            if let raced = table[name] { return raced }
            table[name] = fetched
            return fetched
        }
        if winner.raw != fetched.raw, let raw = fetched.raw { EVP_CIPHER_free(raw) }
        return winner.raw
    }
}
