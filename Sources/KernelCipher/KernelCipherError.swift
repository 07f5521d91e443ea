/// Every way a KernelCipher operation can fail. Cases name the cause; none carries key bytes.
///
/// The enum is `@nonexhaustive`: new causes are added as the library grows (policy, AEAD and keyring errors were), so a
/// `switch` over it outside this module needs an `@unknown default:` (the compiler enforces it), and adding a case
/// never breaks a client's build.
@nonexhaustive
public enum KernelCipherError: Error, Hashable, Sendable, CustomStringConvertible {
    /// AF_ALG cannot be used by this process (the errno of `socket(AF_ALG)`, or `bind`, explains why).
    case afAlgUnavailable(AFALGAvailability)
    /// The kernel has the algorithm but its AF_ALG policy (`af_alg_restrict`, Linux 7.3+) refuses it to this process;
    /// the refusal names the level, the privilege and what would allow it.
    case refusedByPolicy(AFALGRefusal)
    /// The engine does not offer this algorithm (kernel: `bind(2)` failed with ENOENT; software: no EVP mapping).
    case algorithmNotFound(String, engine: EngineKind)
    /// `.automatic` found no engine for the algorithm: the kernel engine's reason (not found, refused by policy,
    /// AF_ALG unavailable, …) and the software engine's, both kept.
    indirect case noEngineAvailable(String, kernel: KernelCipherError, software: KernelCipherError)
    /// The key length is not one the algorithm accepts.
    case invalidKeyLength(Int, allowed: [Int])
    /// The key was refused although its length is right (e.g. XTS halves equal, 3DES degenerate keys).
    case keyRejected(reason: String)
    /// The IV length does not match the transform's IV size.
    case invalidIVLength(Int, expected: Int)
    /// The input length is not a multiple of the block size (ecb/cbc and similar modes).
    case inputNotBlockMultiple(length: Int, blockSize: Int)
    /// The input is shorter than the algorithm's minimum (e.g. xts and cts need one full block).
    case inputTooShort(length: Int, minimum: Int)
    /// The input is longer than one request of this algorithm can process; `limit` is the largest accepted.
    case inputTooLarge(length: Int, limit: Int, reason: String)
    /// The caller-supplied output buffer is smaller than the input.
    case outputTooSmall(length: Int, needed: Int)
    /// `setKey` has not been called on this transform.
    case keyNotSet
    /// The transform was released (`crypto_free_skcipher`); it serves no more requests.
    case transformReleased
    /// Every op slot is in flight and the request did not allow backlogging (the kernel's -EBUSY).
    case busy
    /// The request was cancelled before it started.
    case cancelled
    /// An AEAD decryption's tag did not verify (the kernel's EBADMSG, OpenSSL's failed `EVP_DecryptFinal_ex`); no
    /// plaintext was returned and any caller output buffer was zeroed.
    case authenticationFailed
    /// A ``CipherStream`` decryption's PKCS#7 padding did not verify (wrong key, IV or corrupted input); the last
    /// block's plaintext was not released. Deliberately says nothing about which byte was wrong.
    case invalidPadding
    /// The AEAD tag size is not one the algorithm accepts (`crypto_aead_setauthsize`).
    case invalidTagLength(Int, allowed: [Int])
    /// The AEAD associated data has a length the algorithm refuses (rfc4106/rfc4309: 8 or 12 bytes, the ESP header).
    case invalidAssociatedDataLength(Int, allowed: [Int])
    /// The IV has the right length but a value the algorithm refuses (ccm: the first byte, L − 1, outside 1…7).
    case invalidIV(reason: String)
    /// A kernel keyring key could not be found or could not key the transform (`ALG_SET_KEY_BY_KEY_SERIAL`).
    case kernelKey(KernelKeyError)
    /// An option value the transform's family or engine cannot honour (e.g. `completionMode: .aio` on the software
    /// engine, a non-positive `maxInFlight`): refused at allocation, never silently ignored.
    case unsupportedOption(String)
    /// A key derivation was asked for a length it cannot give: zero, or beyond `maximum` (HKDF: 255 · HashLen;
    /// SP 800-108 and PBKDF2: (2³² − 1) blocks of the PRF's output).
    case invalidDerivedKeyLength(Int, maximum: Int)
    /// A PBKDF2 iteration count outside 1…2³² − 1.
    case invalidIterationCount(Int)
    /// A key derivation was given a PRF that is not a keyed hash of the kind it needs (e.g. `sha256` instead of
    /// `hmac(sha256)`; `cmac(aes)` for PBKDF2 or HKDF, which are defined over HMAC).
    case unsuitablePRF(String, reason: String)
    /// A kernel call failed: the operation (e.g. `recvmsg`) and its errno.
    case kernel(operation: String, errno: Errno)
    /// An OpenSSL call failed: the function and OpenSSL's error string.
    case software(operation: String, detail: String)

    /// One line naming the cause.
    public var description: String {
        switch self {
        case .afAlgUnavailable(let availability):
            return availability.description
        case .refusedByPolicy(let refusal):
            return refusal.description
        case .algorithmNotFound(let name, let engine):
            return "algorithm '\(KernelCipherError.displayName(name))' not found (\(engine) engine)"
        case .noEngineAvailable(let name, let kernel, let software):
            return "no engine offers '\(KernelCipherError.displayName(name))': kernel engine: \(kernel); "
                + "software engine: \(software)"
        case .invalidKeyLength(let length, let allowed):
            return "invalid key length \(length) bytes; allowed: \(allowed.map(String.init).joined(separator: ", "))"
        case .keyRejected(let reason):
            return "key rejected: \(reason)"
        case .invalidIVLength(let length, let expected):
            return "invalid IV length \(length) bytes; expected \(expected)"
        case .inputNotBlockMultiple(let length, let blockSize):
            return "input length \(length) is not a multiple of the block size \(blockSize)"
        case .inputTooShort(let length, let minimum):
            return "input length \(length) is shorter than the minimum \(minimum)"
        case .inputTooLarge(let length, let limit, let reason):
            return "input length \(length) exceeds the limit of \(limit) bytes per request: \(reason)"
        case .outputTooSmall(let length, let needed):
            return "output buffer of \(length) bytes is too small; \(needed) needed"
        case .keyNotSet:
            return "no key set on the transform"
        case .transformReleased:
            return "the transform has been released"
        case .busy:
            return "all op slots busy and the request may not be backlogged"
        case .cancelled:
            return "the request was cancelled before it started"
        case .authenticationFailed:
            return "authentication failed"
        case .invalidPadding:
            return "bad padding (wrong key, IV, or corrupted input)"
        case .invalidTagLength(let length, let allowed):
            return "invalid tag length \(length) bytes; allowed: \(allowed.map(String.init).joined(separator: ", "))"
        case .invalidAssociatedDataLength(let length, let allowed):
            return "invalid associated data length \(length) bytes; allowed: \(allowed.map(String.init).joined(separator: ", "))"
        case .invalidIV(let reason):
            return "invalid IV: \(reason)"
        case .kernelKey(let error):
            return error.description
        case .unsupportedOption(let reason):
            return "unsupported option: \(reason)"
        case .invalidDerivedKeyLength(let length, let maximum):
            return "invalid derived key length \(length) bytes; allowed: 1 to \(maximum)"
        case .invalidIterationCount(let count):
            return "invalid iteration count \(count); allowed: 1 to \(UInt32.max)"
        case .unsuitablePRF(let name, let reason):
            return "'\(KernelCipherError.displayName(name))' cannot be the PRF: \(reason)"
        case .kernel(let operation, let errno):
            return "\(operation) failed: \(errno)"
        case .software(let operation, let detail):
            return "OpenSSL \(operation) failed: \(detail)"
        }
    }

    /// `name` fit for one line of text: control characters escaped (`\e`, `\n`, `\x7f`, `\u{85}`, …) so a
    /// name cannot drive the terminal, and names longer than `limit` characters cut to 64 plus their length.
    package static func displayName(_ name: String, limit: Int? = 80) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "\u{1B}": out += "\\e"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\u{00}"..."\u{1F}", "\u{7F}": out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            case "\u{80}"..."\u{9F}", "\u{2028}", "\u{2029}": out += "\\u{" + String(scalar.value, radix: 16) + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        let count = name.count
        guard let limit, count > limit else { return out }
        return String(out.prefix(64)) + "… (\(count) characters)"
    }
}
