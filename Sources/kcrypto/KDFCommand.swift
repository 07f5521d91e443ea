#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

extension Kcrypto {
    /// `kcrypto kdf`: PBKDF2, HKDF and the SP 800-108 KDF over the kernel's MACs (libkcapi's `kcapi_pbkdf`,
    /// `kcapi_hkdf`, `kcapi_kdf_ctr`/`_fb`/`_dpi`) or OpenSSL's `EVP_KDF`.
    struct KDF: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kdf",
            abstract: "Derive keys: PBKDF2 from a password, HKDF and SP 800-108 from a key.",
            discussion: """
                The derived bytes are printed as lowercase hex and a newline (--raw: the bytes). The PRF runs on the \
                kernel engine when AF_ALG serves it (--engine auto), else on OpenSSL. Passwords and keys are never \
                taken from the command line without a warning, and never appear in messages.
                """,
            subcommands: [PBKDF2.self, HKDF.self, SP800108.self]
        )
    }
}

/// The options every `kdf` subcommand shares.
struct KDFCommonOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The PRF: a keyed hash such as 'hmac(sha256)' (or 'cmac(aes)' for sp800-108).", valueName: "name"))
    var prf = "hmac(sha256)"

    @Option(name: [.short, .customLong("length")], parsing: .unconditional, help: "Number of bytes to derive.")
    var n: Int

    @Option(help: "auto (kernel when AF_ALG serves the PRF, else software), kernel or software.")
    var engine: EngineOption = .auto

    @Flag(help: "Write the derived bytes, not hex and a newline.")
    var raw = false

    /// Refuses a negative or zero length before any work (the library's limit is checked there).
    func checkLength() throws(CipherCommandError) {
        guard n > 0 else { throw .usage("-n \(n): give the number of bytes to derive, 1 or more") }
    }

    /// Writes `secret` to stdout as hex and a newline, or raw with `--raw`; the copies are wiped after.
    func emit(_ secret: SecretBytes) throws(CipherCommandError) {
        var out = try CipherOutput(path: nil)
        var text: [UInt8] = secret.withUnsafeBytes { bytes in
            if raw { return Array(bytes) }
            var text: [UInt8] = []
            text.reserveCapacity(2 * bytes.count + 1)
            for byte in bytes {
                text.append(Self.digits[Int(byte >> 4)])
                text.append(Self.digits[Int(byte & 15)])
            }
            text.append(0x0a)
            return text
        }
        defer { HexBytes.wipe(&text) }
        try text.withUnsafeBytes { bytes in
            Result { () throws(CipherCommandError) in try out.write(bytes) }
        }.get()
        try out.commit()
    }

    private static let digits = Array("0123456789abcdef".utf8)
}

/// A hex option's bytes (`--salt`, `--info`, `--fixed-input`, `--iv`); nil gives `[]`.
func hexOption(_ value: String?, _ name: String) throws(CipherCommandError) -> [UInt8] {
    guard let value else { return [] }
    return try HexBytes.decode(Array(value.utf8), what: name)
}

/// The password of `kdf pbkdf2`: from `--passwd-file F` (- for stdin) or `--passwd-fd N`, read whole (at most
/// 64 KiB) with one trailing newline (LF or CRLF) removed, as `openssl … -pass file:F` takes its first line.
struct PasswordOptions: ParsableArguments {
    @Option(name: .customLong("passwd-file"), help: "Read the password from this file, - for stdin (one trailing newline dropped).")
    var passwordFile: FileName?

    @Option(name: .customLong("passwd-fd"), help: "Read the password from this open file descriptor (one trailing newline dropped).")
    var passwordFD: Int32?

    /// Largest password accepted.
    static let limit = 64 << 10

    /// The password bytes; the caller wipes them (`HexBytes.wipe`).
    func read() throws(CipherCommandError) -> [UInt8] {
        switch (passwordFile, passwordFD) {
        case (nil, nil): throw .usage("a password is required: --passwd-file FILE or --passwd-fd N")
        case (.some, .some): throw .usage("give only one of --passwd-file and --passwd-fd")
        case (nil, .some(let fd)):
            guard fd >= 0 else { throw .usage("--passwd-fd \(fd) is not a file descriptor") }
        case (.some(let path), nil):
            if path.isEmpty { throw .usage("--passwd-file: the file name is empty") }
        }
        var (bytes, _) = try Self.readSource(file: passwordFile, fd: passwordFD)
        var used = bytes.count
        if used > 0, bytes[used - 1] == 0x0a {
            used -= 1
            if used > 0, bytes[used - 1] == 0x0d { used -= 1 }
        }
        defer { HexBytes.wipe(&bytes) }
        return Array(bytes[0..<used])
    }

    /// The bytes of `--passwd-fd fd`, else of `--passwd-file file` (`-`: stdin), as read: at most `limit`, the
    /// descriptor or file read to its end. Also names the source for messages. The caller wipes the bytes.
    static func readSource(file: FileName?, fd: Int32?) throws(CipherCommandError) -> (bytes: [UInt8], what: String) {
        if let fd {
            let what = "--passwd-fd \(fd)"
            return (try read(fd: fd, what: what), what)
        }
        guard let path = file else { throw .usage("a password is required: --passwd-file FILE or --passwd-fd N") }
        if path.isStandardStream {
            guard !StandardStreams.wasClosed(0) else { throw .refused("--passwd-file -: stdin is closed") }
            let what = "--passwd-file - (stdin)"
            return (try read(fd: 0, what: what), what)
        }
        let shown = path.shown(option: "--passwd-file")
        let file: OwnedDescriptor
        do { file = try path.openOwned(O_RDONLY) } catch {
            throw .io(operation: "open password file", path: shown, errno: error)
        }
        let what = "password file \(shown)"
        return (try read(fd: file.rawValue, what: what), what)  // closed at the end of scope
    }

    private static func read(fd: CInt, what: String) throws(CipherCommandError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: limit + 1)
        defer { HexBytes.wipe(&buffer) }
        let used: Int
        switch buffer.withUnsafeMutableBytes({ readFully(fd, into: $0) }) {
        case .success(let count): used = count
        case .failure(let errno): throw .keySource("cannot read the password from \(what): \(errno)")
        }
        guard used <= limit else { throw .keySource("the password in \(what) is longer than \(limit) bytes") }
        return Array(buffer[0..<used])
    }
}

extension Kcrypto.KDF {
    /// `kcrypto kdf pbkdf2`: RFC 8018 PBKDF2 over an HMAC.
    struct PBKDF2: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pbkdf2",
            abstract: "PBKDF2 (RFC 8018) from a password: like openssl kdf … PBKDF2 and kcapi_pbkdf.")

        @OptionGroup var common: KDFCommonOptions
        @OptionGroup var password: PasswordOptions

        @Option(help: ArgumentHelp("The salt as hex.", valueName: "hex"))
        var salt: String

        @Option(help: "The iteration count (1 to 4294967295).")
        var iter: Int

        func run() async throws {
            do { try perform() } catch { throw error.exit() }
        }

        private func perform() throws(CipherCommandError) {
            try common.checkLength()
            guard iter >= 1 else { throw .usage("--iter \(iter): give an iteration count of 1 or more") }
            let salt = try hexOption(salt, "--salt")
            var password = try password.read()
            defer { HexBytes.wipe(&password) }
            let derived: SecretBytes
            do throws(KernelCipherError) {
                let kdf = try PBKDF2KeyDerivation(prf: common.prf, engine: common.engine.preference)
                derived = try kdf.deriveKey(password: password, salt: salt, iterations: iter, count: common.n)
            } catch { throw .cipher(error) }
            try common.emit(derived)
        }
    }
}
