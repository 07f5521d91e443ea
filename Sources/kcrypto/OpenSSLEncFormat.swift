import ArgumentParser
import KernelCipher

/// `--format raw|openssl`: the bytes of the cipher alone, or `openssl enc`'s `Salted__` file.
enum CipherFormat: String, CaseIterable, ExpressibleByArgument {
    case raw, openssl
}

/// The options of `enc`/`dec` that choose the file format of a password-encrypted file.
struct PasswordFormatOptions: ParsableArguments {
    @Option(help: "raw (the cipher's output only; the default) or openssl ('Salted__', the salt, then the ciphertext, as openssl enc -pbkdf2 writes and reads; needs a password and openssl's cipher name, e.g. aes-256-cbc).")
    var format: CipherFormat = .raw

    @Flag(name: .customLong("legacy-kdf"), help: "dec --format openssl: the file was written without -pbkdf2 (openssl's weak EVP_BytesToKey key derivation, one round of the digest of --pbkdf-mac).")
    var legacyKDF = false

    /// Whether an option other than the defaults was given.
    var isGiven: Bool { format != .raw || legacyKDF }
}

/// A cipher `openssl enc` names, and the kernel algorithm, key and IV lengths kcrypto uses for it.
struct OpenSSLCipher: Sendable {
    /// openssl's name, e.g. `aes-256-cbc`.
    let name: String
    /// The kernel's name, e.g. `cbc(aes)`.
    let algorithm: String
    /// Key bytes (openssl's `EVP_CIPHER_get_key_length`).
    let keyLength: Int
    /// IV bytes; openssl's chacha20 IV is the 32-bit little-endian block counter then the 96-bit nonce, the
    /// kernel's chacha20 IV layout too.
    let ivLength: Int

    /// The ciphers `--format openssl` supports.
    static let all: [OpenSSLCipher] = [128, 192, 256].flatMap { bits in
        ["cbc", "ctr"].map { mode in
            OpenSSLCipher(name: "aes-\(bits)-\(mode)", algorithm: "\(mode)(aes)", keyLength: bits / 8, ivLength: 16)
        }
    } + [OpenSSLCipher(name: "chacha20", algorithm: "chacha20", keyLength: 32, ivLength: 16)]

    /// The cipher openssl calls `name` (case-insensitive, a leading `-` allowed as in `openssl enc -aes-256-cbc`).
    static func named(_ name: String) -> OpenSSLCipher? {
        let wanted = (name.hasPrefix("-") ? String(name.dropFirst()) : name).lowercased()
        return all.first { $0.name == wanted }
    }
}

/// `openssl enc`'s salted file header and its two key derivations.
enum OpenSSLEncFormat {
    /// The file starts with these 8 bytes, then the 8-byte salt.
    static let magic: [UInt8] = Array("Salted__".utf8)
    /// Salt bytes in the header.
    static let saltLength = 8

    /// The header `openssl enc` writes before the ciphertext.
    static func header(salt: [UInt8]) -> [UInt8] { magic + salt }

    /// The salt of a 16-byte header, or nil when it does not start with `Salted__`.
    static func salt(fromHeader header: [UInt8]) -> [UInt8]? {
        guard header.count == magic.count + saltLength, header.starts(with: magic) else { return nil }
        return Array(header[magic.count...])
    }

    /// Key and IV as `openssl enc -pbkdf2 -iter N -md MD` derives them: PBKDF2-HMAC-MD giving key‖IV.
    static func pbkdf2(
        password: SecretBytes, salt: [UInt8], iterations: Int, mac: String, engine: EnginePreference,
        cipher: OpenSSLCipher
    ) throws(CipherCommandError) -> (key: SecretBytes, iv: [UInt8]) {
        let derived: SecretBytes
        do {
            derived = try PBKDF2KeyDerivation(prf: mac, engine: engine).deriveKey(
                password: password, salt: salt, iterations: iterations, count: cipher.keyLength + cipher.ivLength)
        } catch { throw .cipher(error) }
        return split(derived, cipher)
    }

    /// Key and IV as `openssl enc` without `-pbkdf2` derives them (`EVP_BytesToKey`, count 1):
    /// D₁ = MD(password‖salt), Dᵢ = MD(Dᵢ₋₁‖password‖salt), key‖IV the first bytes of D₁‖D₂‖….
    static func bytesToKey(
        password: SecretBytes, salt: [UInt8], digest: String, engine: EnginePreference, cipher: OpenSSLCipher
    ) throws(CipherCommandError) -> (key: SecretBytes, iv: [UInt8]) {
        let hash: HashTransform
        do { hash = try HashTransform(digest, engine: engine, options: .init(maxInFlight: 1)) } catch {
            throw .cipher(error)
        }
        defer { hash.release() }
        let needed = cipher.keyLength + cipher.ivLength
        var material: [UInt8] = []
        var block: [UInt8] = []
        var message: [UInt8] = []
        defer { HexBytes.wipe(&material); HexBytes.wipe(&block); HexBytes.wipe(&message) }
        while material.count < needed {
            HexBytes.wipe(&message)
            message = block
            password.withUnsafeBytes { message.append(contentsOf: $0) }
            message.append(contentsOf: salt)
            HexBytes.wipe(&block)
            do { block = try hash.digest(message) } catch { throw .cipher(error) }
            material.append(contentsOf: block)
        }
        return split(material.withUnsafeBytes { SecretBytes(copying: UnsafeRawBufferPointer(rebasing: $0[0..<needed])) }, cipher)
    }

    /// The digest `--legacy-kdf` uses: the hash inside `--pbkdf-mac` (`hmac(md5)` → md5).
    static func legacyDigest(mac: String) throws(CipherCommandError) -> String {
        guard mac.hasPrefix("hmac("), mac.hasSuffix(")"), mac.count > 6 else {
            throw .usage("--legacy-kdf takes openssl's -md as --pbkdf-mac 'hmac(MD)', e.g. 'hmac(md5)'; got \(mac)")
        }
        return String(mac.dropFirst(5).dropLast())
    }

    private static func split(_ derived: SecretBytes, _ cipher: OpenSSLCipher) -> (key: SecretBytes, iv: [UInt8]) {
        derived.withUnsafeBytes { bytes in
            (SecretBytes(copying: UnsafeRawBufferPointer(rebasing: bytes[0..<cipher.keyLength])),
             Array(bytes[cipher.keyLength..<(cipher.keyLength + cipher.ivLength)]))
        }
    }
}
