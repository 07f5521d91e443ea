// What an app written against swift-crypto has: generic code over `HashFunction` and AEAD calls with swift-crypto
// types. Moving it onto swift-kcapi changes the type names at the call sites, nothing else.
import Crypto
import Foundation

/// An app's generic fingerprint: hex of any `HashFunction`'s digest, streamed in `chunk`-byte updates.
public func fingerprint<H: HashFunction>(_ data: [UInt8], using _: H.Type, chunk: Int = 1000) -> String {
    var hasher = H()
    var offset = 0
    while offset < data.count {
        let end = min(offset + chunk, data.count)
        hasher.update(data: data[offset..<end])
        offset = end
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

/// An app's generic MAC and key derivation: swift-crypto's own `HMAC<H>` and `HKDF<H>` over any `HashFunction`.
public func macAndDerive<H: HashFunction>(
    _ message: [UInt8], key: SymmetricKey, salt: [UInt8], using _: H.Type
) -> (mac: [UInt8], derived: [UInt8]) {
    let mac = HMAC<H>.authenticationCode(for: message, using: key)
    let derived = HKDF<H>.deriveKey(inputKeyMaterial: key, salt: salt, info: Array("client".utf8), outputByteCount: 42)
    return (Array(mac), derived.withUnsafeBytes { Array($0) })
}
