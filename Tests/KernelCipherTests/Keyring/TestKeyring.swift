import Testing
@testable import KernelCipher

/// A private keyring for one test, linked into the session keyring (`@s`, which `request_key` searches) under a
/// unique description, so tests running at once on one host never see each other's keys. Deinit unlinks it; the
/// kernel then collects it and every key only it holds.
///
/// Possession is per thread here: a process started without a session keyring gets one installed in the creds of
/// the first thread that adds to `@s`, and only that thread possesses keys linked there (found on 6.12: an async
/// test re-keying by serial after an `await` failed with EACCES on another thread). So every key also grants its
/// owner user (`0x3f3f0000`: possessor and user all), and uses by serial work from any thread of this uid.
final class TestKeyring {
    let ring: KernelKey
    let tag: String
    /// Possessor and user: view, read, write, search, link, setattr.
    static let ownerAll: UInt32 = 0x3f3f_0000

    init() throws {
        tag = "swift-kcapi-test-\(UInt64.random(in: 0 ... .max))"
        ring = try Keyring.addKeyring(description: tag, to: Keyring.session)
    }

    /// A key of `type` (`user`, `logon`, …) holding `payload`, linked into this keyring. `logon` descriptions need a
    /// `prefix:`; the description is `tag:name` either way.
    func add(_ type: String, _ name: String, payload: [UInt8]) throws -> KernelKey {
        let key = try payload.withUnsafeBytes { bytes throws(Errno) in
            try Keyring.add(type: type, description: "\(tag):\(name)", payload: bytes, to: ring.serial)
        }
        try Keyring.setPermissions(key, TestKeyring.ownerAll)
        return key
    }

    /// The description `add` gave `name`.
    func description(of name: String) -> String { "\(tag):\(name)" }

    deinit { try? Keyring.unlink(ring, from: Keyring.session) }
}

/// The error `body` threw, as a `KernelKeyError`, or nil (recording an issue) when it threw something else or nothing.
func kernelKeyError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws(KernelCipherError) -> Void
) -> KernelKeyError? {
    do throws(KernelCipherError) {
        try body()
        Issue.record("expected a keyring key error, got success", sourceLocation: sourceLocation)
    } catch {
        if case .kernelKey(let keyError) = error { return keyError }
        Issue.record("expected a keyring key error, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
