import ArgumentParser
import KernelCipher

/// The master key of `kdf hkdf` and `kdf sp800-108`, from the key options `enc` takes.
extension KeyOptions {
    /// The key, refusing a key source that is stdin only when something else reads stdin (nothing does here).
    func kdfMaterial() throws(CipherCommandError) -> KeyMaterial {
        // `kdf` has no input: "/dev/null" stands for it so that `--key-file -` (stdin) is not taken as shared.
        let noInput = FileName(argument: "/dev/null")
        try check(input: noInput)
        return try material(input: noInput)
    }
}

extension Kcrypto.KDF {
    /// `kcrypto kdf hkdf`: RFC 5869 extract then expand (or one half).
    struct HKDF: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hkdf",
            abstract: "HKDF (RFC 5869) from an input key: extract then expand, like kcapi_hkdf.",
            discussion: """
                --expand-only takes the key as the PRK, which may be a kernel keyring key (--key-serial, \
                --key-desc): the HMAC is keyed by serial and only the derived bytes enter this process. \
                --extract-only prints the PRK (HashLen bytes; -n must be HashLen).
                """)

        @OptionGroup var common: KDFCommonOptions
        @OptionGroup var key: KeyOptions

        @Option(help: ArgumentHelp("The salt as hex (default: none, HashLen zero bytes).", valueName: "hex"))
        var salt: String?

        @Option(help: ArgumentHelp("The info (context) as hex.", valueName: "hex"))
        var info: String?

        @Flag(name: .customLong("extract-only"), help: "Only HKDF-Extract: print the PRK.")
        var extractOnly = false

        @Flag(name: .customLong("expand-only"), help: "Only HKDF-Expand: the key is the PRK.")
        var expandOnly = false

        func run() async throws {
            do { try perform() } catch { throw error.exit() }
        }

        private func perform() throws(CipherCommandError) {
            try common.checkLength()
            if extractOnly && expandOnly { throw .usage("give only one of --extract-only and --expand-only") }
            if extractOnly && info != nil { throw .usage("--info is used by expand, not by --extract-only") }
            if expandOnly && salt != nil { throw .usage("--salt is used by extract, not by --expand-only") }
            if key.isKernelKey && !expandOnly {
                throw .usage("a keyring key can only be HKDF's PRK (extract reads the key's bytes): add --expand-only")
            }
            let salt = try hexOption(salt, "--salt"), info = try hexOption(info, "--info")
            let preference = try key.enginePreference(common.engine.preference)
            let material = try key.kdfMaterial()
            let derived: SecretBytes
            do throws(KernelCipherError) {
                let kdf = try HKDFKeyDerivation(prf: common.prf, engine: preference)
                switch material {
                case .kernelKey(let kernelKey):
                    derived = try kdf.expand(pseudorandomKey: kernelKey, info: info, count: common.n)
                case .bytes(let bytes):
                    if extractOnly {
                        guard common.n == kdf.hashLength else {
                            throw .invalidDerivedKeyLength(common.n, maximum: kdf.hashLength)
                        }
                        derived = try kdf.extract(inputKey: bytes, salt: salt)
                    } else if expandOnly {
                        derived = try kdf.expand(pseudorandomKey: bytes, info: info, count: common.n)
                    } else {
                        derived = try kdf.deriveKey(inputKey: bytes, salt: salt, info: info, count: common.n)
                    }
                }
            } catch { throw .cipher(error) }
            try common.emit(derived)
        }
    }

    /// `kcrypto kdf sp800-108`: the NIST SP 800-108 KDF in counter, feedback or double-pipeline mode.
    struct SP800108: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sp800-108",
            abstract: "SP 800-108 KDF (counter, feedback, double-pipeline) from a key, like kcapi_kdf_ctr/_fb/_dpi.",
            discussion: """
                The fixed input is Label || 00 || Context || [L]2 as NIST's CAVP files give it; a 32-bit big-endian \
                counter goes before it (libkcapi's layout). --iv is feedback mode's K(0): none or HashLen bytes. The \
                key may be a kernel keyring key (--key-serial, --key-desc): only the derived bytes enter this process.
                """)

        @OptionGroup var common: KDFCommonOptions
        @OptionGroup var key: KeyOptions

        @Option(help: "counter, feedback or double-pipeline.")
        var mode: SP800108KeyDerivation.Mode

        @Option(name: .customLong("fixed-input"), help: ArgumentHelp("The fixed input data as hex.", valueName: "hex"))
        var fixedInput: String

        @Option(help: ArgumentHelp("Feedback mode's IV as hex.", valueName: "hex"))
        var iv: String?

        func run() async throws {
            do { try perform() } catch { throw error.exit() }
        }

        private func perform() throws(CipherCommandError) {
            try common.checkLength()
            if iv != nil && mode != .feedback { throw .usage("--iv is used in feedback mode only") }
            let fixed = try hexOption(fixedInput, "--fixed-input"), iv = try hexOption(iv, "--iv")
            let preference = try key.enginePreference(common.engine.preference)
            let material = try key.kdfMaterial()
            let derived: SecretBytes
            do throws(KernelCipherError) {
                let kdf = try SP800108KeyDerivation(mode: mode, prf: common.prf, engine: preference)
                switch material {
                case .kernelKey(let kernelKey):
                    derived = try kdf.deriveKey(from: kernelKey, fixedInput: fixed, iv: iv, count: common.n)
                case .bytes(let bytes):
                    derived = try kdf.deriveKey(from: bytes, fixedInput: fixed, iv: iv, count: common.n)
                }
            } catch { throw .cipher(error) }
            try common.emit(derived)
        }
    }
}

extension SP800108KeyDerivation.Mode: ExpressibleByArgument {}
