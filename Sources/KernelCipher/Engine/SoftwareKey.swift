/// The key of a software (OpenSSL) engine, written once for every keyed family: the bytes new slots are keyed
/// from, and the EVP name they select (`openssl:aes-256-xts` after a 64-byte `xts(aes)` key). A replaced or released
/// key is not wiped here: a slot being made on another thread may still be keying from it; its storage is zeroized
/// when the last reference goes (`SecureBytes`).
final class SoftwareKey: Sendable {
    private struct State { var key: SecureBytes?; var driver: String }
    private let state: LockedValue<State>

    /// No key yet; `driver` names the EVP cipher for the smallest key length.
    init(driver: String) { state = LockedValue(State(key: nil, driver: driver)) }

    /// `openssl:<evp name>` for an EVP cipher or MAC name.
    static func driverName(_ evp: String) -> String { "openssl:\(evp.lowercased())" }

    /// The EVP implementation serving requests now.
    var driver: String { state.withLock { $0.driver } }

    /// Stores `key` for new slots, with the EVP name it selects.
    func store(_ key: SecureBytes, driver: String) { state.withLock { $0 = State(key: key, driver: driver) } }

    /// The key new slots are keyed from, or `.keyNotSet`.
    func current() throws(KernelCipherError) -> SecureBytes {
        guard let key = state.withLock({ $0.key }) else { throw .keyNotSet }
        return key
    }

    /// Whether a key is held (tests: none may be left after release).
    var isSet: Bool { state.withLock { $0.key != nil } }

    /// Drops the key reference.
    func release() { state.withLock { $0.key = nil } }
}
