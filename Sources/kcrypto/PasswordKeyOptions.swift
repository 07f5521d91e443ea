#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

/// How a password is read and which defaults apply: libkcapi's `kcapi-enc`/`kcapi-dgst` (the raw format, `dgst`) or
/// `openssl enc` (`--format openssl`).
enum PasswordDialect {
    /// kcapi-enc 1.4.0: the bytes read are the password (a trailing newline is part of it), at most 127 bytes;
    /// PBKDF2 gives a 32-byte key; iterations timed, salt 32 random bytes when not given (both printed).
    case kcapi
    /// openssl enc: the first line of the file or descriptor (up to the first newline or NUL), at most 1023 bytes.
    case openssl

    /// Longest password accepted: kcapi-enc reads 128 bytes and zeroes the last; openssl's buffer is 1024.
    var limit: Int { self == .kcapi ? 127 : 1023 }
}

/// `--passwd`, `--passwd-file`, `--passwd-fd`, `--pbkdf-iter`, `--pbkdf-mac`, `--salt`: a key derived from a
/// password with PBKDF2, as `kcapi-enc`/`kcapi-dgst` (`-p`, `--passwdfd`, `--pbkdfiter`, `--pbkdfmac`, `-s`) do.
struct PasswordKeyOptions: ParsableArguments {
    @Option(name: .customLong("passwd"), help: "Password. Visible to other users in the process list (ps, /proc/PID/cmdline): prefer --passwd-file or --passwd-fd.")
    var password: String?

    @Option(name: .customLong("passwd-file"), help: "Read the password from this file, - for stdin (kcapi-enc: all its bytes, a newline included; --format openssl: its first line).")
    var passwordFile: FileName?

    @Option(name: .customLong("passwd-fd"), help: "Read the password from this open file descriptor (as --passwd-file).")
    var passwordFD: Int32?

    @Option(name: .customLong("pbkdf-iter"), help: "PBKDF2 iterations. Default: timed as kcapi-enc does (at least 65536, printed on stderr); 10000 with --format openssl.")
    var iterations: Int?

    @Option(name: .customLong("pbkdf-mac"), help: ArgumentHelp("PBKDF2's PRF (kcapi-enc --pbkdfmac; --format openssl: hmac(MD) for openssl's -md MD).", valueName: "name"))
    var mac = "hmac(sha256)"

    @Option(help: ArgumentHelp("PBKDF2 salt as hex. Default: 32 random bytes, printed on stderr (--format openssl: 8, written to the file).", valueName: "hex"))
    var salt: String?

    /// The iteration count openssl enc uses for `-pbkdf2` without `-iter`.
    static let opensslIterations = 10_000
    /// Bytes kcapi-enc and kcapi-dgst derive (`uint8_t keybuf[32]`), whatever the algorithm.
    static let kcapiKeyLength = 32

    /// Whether a password option was given.
    var isGiven: Bool { password != nil || passwordFile != nil || passwordFD != nil }

    /// Refuses PBKDF2 options without a password, a password beside a key, several password sources, a password
    /// source that shares stdin with the input, and warns about `--passwd` on the command line. Call before work.
    func check(key: KeyOptions, input: FileName?) throws(CipherCommandError) {
        guard isGiven else {
            if iterations != nil || salt != nil || mac != "hmac(sha256)" {
                throw .usage("--pbkdf-iter, --pbkdf-mac and --salt need a password: --passwd-file, --passwd-fd or --passwd")
            }
            return
        }
        if key.isGiven { throw .usage("give a key (--key, --keyfd, --key-file, …) or a password (--passwd…), not both") }
        let given = [password != nil, passwordFile != nil, passwordFD != nil].filter { $0 }.count
        if given > 1 { throw .usage("give only one of --passwd, --passwd-file and --passwd-fd") }
        if let iterations, iterations < 1 || iterations > Int(UInt32.max) {
            throw .usage("--pbkdf-iter \(iterations): give an iteration count from 1 to 4294967295")
        }
        if passwordFile?.isEmpty == true { throw .usage("--passwd-file: the file name is empty") }
        if let passwordFD, passwordFD < 0 { throw .usage("--passwd-fd \(passwordFD) is not a file descriptor") }
        var sources = [("the input", StdinSharing.reads(input, nilIsStdin: true))]
        if let passwordFD { sources.append(("--passwd-fd \(passwordFD)", StdinSharing.reads(descriptor: passwordFD))) }
        if let passwordFile { sources.append(("--passwd-file", StdinSharing.reads(passwordFile, nilIsStdin: false))) }
        try StdinSharing.refuseShared(sources)
        if password != nil {
            Console.error("warning: --passwd is visible to other users in the process list; prefer --passwd-file or --passwd-fd")
        }
    }

    /// The salt from `--salt`, or nil when none was given.
    func givenSalt() throws(CipherCommandError) -> [UInt8]? {
        guard let salt else { return nil }
        let bytes = try HexBytes.decode(Array(salt.utf8), what: "--salt")
        guard !bytes.isEmpty else { throw .usage("--salt: give at least one byte of salt") }
        return bytes
    }

    /// The password bytes as `dialect` reads them, in zeroizing storage; never empty.
    func read(_ dialect: PasswordDialect) throws(CipherCommandError) -> SecretBytes {
        var bytes: [UInt8]
        let what: String
        if let password {
            bytes = Array(password.utf8)
            what = "--passwd"
        } else if passwordFD != nil || passwordFile != nil {
            (bytes, what) = try PasswordOptions.readSource(file: passwordFile, fd: passwordFD)
        } else {
            throw .usage("a password is required: --passwd-file FILE, --passwd-fd N or --passwd")
        }
        defer { HexBytes.wipe(&bytes) }
        var used = bytes.count
        if dialect == .openssl, password == nil {
            // openssl's app_passwd: the line up to the first newline, as a C string (a NUL ends it).
            used = bytes.firstIndex { $0 == 0x0a || $0 == 0 } ?? used
        }
        guard used > 0 else { throw .keySource("the password in \(what) is empty") }
        guard used <= dialect.limit else {
            throw .keySource("the password in \(what) is longer than \(dialect.limit) bytes, more than "
                + (dialect == .kcapi ? "kcapi-enc reads" : "openssl enc reads"))
        }
        return bytes.withUnsafeBytes { SecretBytes(copying: UnsafeRawBufferPointer(rebasing: $0[0..<used])) }
    }

    /// kcapi-enc's / kcapi-dgst's key: PBKDF2 with `--pbkdf-mac` over the password, 32 bytes. A missing salt
    /// (encryption, `dgst`) is 32 random bytes and a missing iteration count is timed as
    /// `kcapi_pbkdf_iteration_count` does; both are printed on stderr so the run can be repeated. `decrypting`:
    /// both must be given (a random salt cannot decrypt anything).
    func kcapiKey(engine: EnginePreference, decrypting: Bool) throws(CipherCommandError) -> SecretBytes {
        if decrypting && (salt == nil || iterations == nil) {
            throw .usage("decrypting with a password needs the --salt and --pbkdf-iter the encryption used "
                + "(kcapi-enc and kcrypto enc print them when they pick them)")
        }
        let password = try read(.kcapi)
        let kdf: PBKDF2KeyDerivation
        do { kdf = try PBKDF2KeyDerivation(prf: mac, engine: engine) } catch { throw .cipher(error) }
        let count: Int
        if let iterations { count = iterations } else {
            count = try Self.calibratedIterations(kdf)
            Console.error("PBKDF2 iterations used: \(count)")
        }
        let salt: [UInt8]
        if let given = try givenSalt() { salt = given } else {
            salt = Self.randomBytes(32)
            Console.error("PBKDF2 salt used: \(Self.hex(salt))")
        }
        do {
            return try kdf.deriveKey(password: password, salt: salt, iterations: count, count: Self.kcapiKeyLength)
        } catch { throw .cipher(error) }
    }

    /// `kcapi_pbkdf_iteration_count(mac, 0)`: doubles the count from 1 until two runs in a row at the same count
    /// take more than 2²⁷ ns, at least 2¹⁶.
    static func calibratedIterations(_ kdf: PBKDF2KeyDerivation) throws(CipherCommandError) -> Int {
        let threshold: UInt64 = 1 << 27
        var count = 1
        var confirmations = 0
        while confirmations < 2 && count < Int(UInt32.max) {
            let start = monotonicNanoseconds()
            do {
                _ = try kdf.deriveKey(password: Array("passwordpassword".utf8), salt: Array("salt".utf8),
                                      iterations: count, count: 16)
            } catch { throw .cipher(error) }
            if monotonicNanoseconds() - start > threshold {
                confirmations += 1
            } else {
                confirmations = 0
                count <<= 1
            }
        }
        return max(count, 1 << 16)
    }

    private static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// `count` random bytes (a salt, not a key) from the system generator (`getrandom(2)` on Linux).
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Lowercase hex.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return String(decoding: text, as: UTF8.self)
    }
}
