import ArgumentParser
import KernelCipher

/// `enc`/`dec` with a password: kcapi-enc's key derivation over the raw format, or an `openssl enc` file
/// (`--format openssl`).
struct PasswordCipher {
    let options: CipherOptions

    private var password: PasswordKeyOptions { options.password }
    private var format: PasswordFormatOptions { options.passwordFormat }

    /// Checks the combination, derives key (and IV for openssl files), and streams the input through.
    func run(_ operation: CipherOperation) throws(CipherCommandError) {
        try options.checkBeforeWork()
        guard password.isGiven else {
            throw .usage("--format openssl and --legacy-kdf need a password: --passwd-file, --passwd-fd or --passwd")
        }
        if format.legacyKDF && !(format.format == .openssl && operation == .decrypt) {
            throw .usage("--legacy-kdf reads files openssl enc wrote without -pbkdf2: only with dec --format openssl")
        }
        if AEADCommand.isAEAD(options.cipher, engine: options.engine) || options.aead.isGiven {
            throw .usage("passwords apply to skciphers (cbc, ctr, chacha20, …); \(options.cipher) with a password "
                + "is not supported")
        }
        let engine = options.engine.preference
        switch format.format {
        case .raw:
            let key = try password.kcapiKey(engine: engine, decrypting: operation == .decrypt)
            try stream(operation, algorithm: options.cipher, key: key, iv: nil, header: nil,
                       input: CipherInput(name: options.input))
        case .openssl:
            try runOpenSSL(operation, engine: engine)
        }
    }

    private func runOpenSSL(_ operation: CipherOperation, engine: EnginePreference) throws(CipherCommandError) {
        guard let cipher = OpenSSLCipher.named(options.cipher) else {
            throw .usage("--format openssl takes openssl's cipher names: "
                + OpenSSLCipher.all.map(\.name).joined(separator: ", ") + "; got \(options.cipher)")
        }
        if options.iv != nil { throw .usage("--format openssl derives the IV from the password; remove --iv") }
        if format.legacyKDF && password.iterations != nil {
            throw .usage("--legacy-kdf: openssl's EVP_BytesToKey takes no iteration count; remove --pbkdf-iter")
        }
        let input = try CipherInput(name: options.input)
        let salt: [UInt8]
        var header: [UInt8]? = nil
        switch operation {
        case .encrypt:
            if let given = try password.givenSalt() { salt = given } else {
                salt = PasswordKeyOptions.randomBytes(OpenSSLEncFormat.saltLength)
            }
            guard salt.count == OpenSSLEncFormat.saltLength else {
                throw .usage("--salt: an openssl enc salt has \(OpenSSLEncFormat.saltLength) bytes (16 hex digits); "
                    + "got \(salt.count)")
            }
            header = OpenSSLEncFormat.header(salt: salt)
        case .decrypt:
            if password.salt != nil { throw .usage("--format openssl reads the salt from the file; remove --salt") }
            var bytes = [UInt8](repeating: 0, count: OpenSSLEncFormat.magic.count + OpenSSLEncFormat.saltLength)
            let count = try bytes.withUnsafeMutableBytes { buffer in
                Result { () throws(CipherCommandError) in try input.readFull(into: buffer) }
            }.get()
            guard count == bytes.count, let found = OpenSSLEncFormat.salt(fromHeader: bytes) else {
                throw .notOpenSSLFile("\(input.name) is not an openssl enc file: it does not start with 'Salted__' "
                    + "and an 8-byte salt (written with -nosalt, or not by openssl enc)")
            }
            salt = found
        }
        let password = try password.read(.openssl)
        let derived: (key: SecretBytes, iv: [UInt8])
        if format.legacyKDF {
            Console.error("warning: --legacy-kdf: openssl's EVP_BytesToKey is a weak key derivation (one digest per "
                + "block, no iterations); re-encrypt with --format openssl (PBKDF2)")
            derived = try OpenSSLEncFormat.bytesToKey(
                password: password, salt: salt, digest: OpenSSLEncFormat.legacyDigest(mac: self.password.mac),
                engine: engine, cipher: cipher)
        } else {
            derived = try OpenSSLEncFormat.pbkdf2(
                password: password, salt: salt, iterations: self.password.iterations ?? PasswordKeyOptions.opensslIterations,
                mac: self.password.mac, engine: engine, cipher: cipher)
        }
        try stream(operation, algorithm: cipher.algorithm, key: derived.key, iv: derived.iv, header: header, input: input)
    }

    /// Allocates `algorithm`, sets `key`, and streams `input` to the output, after `header`.
    /// `iv`: derived (openssl), or nil to take `--iv`.
    private func stream(
        _ operation: CipherOperation, algorithm: String, key: SecretBytes, iv: [UInt8]?, header: [UInt8]?,
        input: borrowing CipherInput
    ) throws(CipherCommandError) {
        let transform: CipherTransform
        do { transform = try CipherTransform(algorithm, engine: options.engine.preference, options: CipherOptions.streamTransformOptions) } catch {
            throw .cipher(error)
        }
        defer { transform.release() }
        do { try transform.setKey(key) } catch { throw .cipher(error) }
        let ivBytes: [UInt8]
        if let iv { ivBytes = iv } else { ivBytes = try options.parseIV(size: transform.ivSize) }
        let padding = try options.streamPadding(for: transform, algorithm: algorithm)
        do {
            try options.stream(operation, through: transform, iv: ivBytes, padding: padding, header: header, input: input)
        } catch .badPadding {
            throw .wrongPassword
        }
    }
}
