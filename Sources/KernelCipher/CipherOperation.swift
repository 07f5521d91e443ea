/// Encrypt or decrypt.
public enum CipherOperation: Sendable, Hashable {
    /// `crypto_skcipher_encrypt`.
    case encrypt
    /// `crypto_skcipher_decrypt`.
    case decrypt
}
