/// The `SOL_ALG` socket options of a transform socket (`<linux/if_alg.h>`). Spelled out here because the build
/// host's headers (Debian bookworm, Linux 6.1) lack the newest (`ALG_SET_KEY_BY_KEY_SERIAL`, Linux 6.2).
enum AFALGOption: Int32, Sendable {
    /// `ALG_SET_KEY` (1): the key bytes.
    case key = 1
    /// `ALG_SET_AEAD_AUTHSIZE` (5): the AEAD tag size, passed as the option length with a NULL value.
    case aeadAuthSize = 5
    /// `ALG_SET_DRBG_ENTROPY` (6, Linux 5.10, `CONFIG_CRYPTO_USER_API_RNG_CAVP`): test entropy for a DRBG.
    case drbgEntropy = 6
    /// `ALG_SET_KEY_BY_KEY_SERIAL` (7, Linux 6.2): key the transform from a keyring key, a 32-bit serial.
    case keyByKeySerial = 7
}
