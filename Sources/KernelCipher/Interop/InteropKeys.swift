#if CryptoInterop
// Keys between the two libraries (trait CryptoInterop). `SymmetricKey` is `ContiguousBytes`, so every
// `setKey(_:)` and KDF input of this library takes one as it is; derived keys come back as one here.
public import Crypto

extension SecretBytes {
    /// The derived key as swift-crypto's `SymmetricKey` (a copy held in swift-crypto's zeroizing storage).
    public var symmetricKey: SymmetricKey { SymmetricKey(data: self) }
}
#endif
