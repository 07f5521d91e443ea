/// The one table of algorithm facts: block ciphers, the mode templates over them, and stand-alone stream ciphers.
/// A `CipherAlgorithm` is a template applied to a cipher (`cbc(aes)`) or a stream cipher (`chacha20`). The kernel
/// engine asks ``kernelRules(name:blockSize:minKey:maxKey:)`` for names the table only partly knows.
enum AlgorithmCatalog {
    /// A block cipher's own facts.
    struct BlockCipher: Sendable {
        let keySizes: [Int]
        let blockSize: Int
        /// The OpenSSL name stem for ecb/cbc/ctr (`AES-128`), or nil when the software engine does not offer it.
        let openSSL: OpenSSLMapping.Stem?
    }

    /// A mode template over a block cipher: what it does to keys, IVs and lengths.
    struct Template: Sendable {
        /// The template the cipher must be wrapped in first: `cbc` for `cts(cbc(aes))`, `ctr` for rfc3686.
        let inner: String?
        let keyLayout: KeyLayout
        let ivLayout: IVLayout
        /// The IV size for a cipher block size.
        let ivSize: @Sendable (Int) -> Int
        /// Block size 1 (a stream mode: ctr).
        let isStream: Bool
        let requiresBlockMultiple: Bool
        /// Inputs need at least one block (xts, cts).
        let minimumIsOneBlock: Bool
        let chaining: IVChaining
        let kernelContinuesAcrossRounds: Bool
        /// The kernel instantiates the template only over ciphers of this block size (xts and rfc3686: 16;
        /// `xts_create`/`crypto_rfc3686_create` fail with EINVAL otherwise).
        var requiredBlockSize: Int? = nil
        /// The OpenSSL mapping for a cipher (by name and stem), or nil.
        let openSSL: @Sendable (String, OpenSSLMapping.Stem?) -> OpenSSLMapping?
    }

    static let blockCiphers: [String: BlockCipher] = [
        "aes": BlockCipher(keySizes: [16, 24, 32], blockSize: 16, openSSL: .bits("AES")),
        "camellia": BlockCipher(keySizes: [16, 24, 32], blockSize: 16, openSSL: .bits("CAMELLIA")),
        "aria": BlockCipher(keySizes: [16, 24, 32], blockSize: 16, openSSL: nil),
        "sm4": BlockCipher(keySizes: [16], blockSize: 16, openSSL: .fixed("SM4")),
        "des3_ede": BlockCipher(keySizes: [24], blockSize: 8, openSSL: .fixed("DES-EDE3")),
    ]

    /// OpenSSL offers xts, cts and rfc3686 for AES only.
    private static func aesOnly(_ mapping: OpenSSLMapping) -> @Sendable (String, OpenSSLMapping.Stem?) -> OpenSSLMapping? {
        { cipher, _ in cipher == "aes" ? mapping : nil }
    }

    /// ecb/cbc/ctr: `<stem>-<MODE>` wherever the cipher has an OpenSSL stem.
    private static func stemMode(_ mode: String) -> @Sendable (String, OpenSSLMapping.Stem?) -> OpenSSLMapping? {
        { _, stem in stem.map { OpenSSLMapping(naming: .stem($0, mode: mode)) } }
    }

    static let templates: [String: Template] = [
        "ecb": Template(
            inner: nil, keyLayout: .single, ivLayout: .none, ivSize: { _ in 0 }, isStream: false,
            requiresBlockMultiple: true, minimumIsOneBlock: false, chaining: .independent,
            kernelContinuesAcrossRounds: true, openSSL: stemMode("ECB")),
        "cbc": Template(
            inner: nil, keyLayout: .single, ivLayout: .chainingBlock, ivSize: { $0 }, isStream: false,
            requiresBlockMultiple: true, minimumIsOneBlock: false, chaining: .lastCiphertextBlock,
            kernelContinuesAcrossRounds: true, openSSL: stemMode("CBC")),
        "ctr": Template(
            inner: nil, keyLayout: .single, ivLayout: .counterBlock, ivSize: { $0 }, isStream: true,
            requiresBlockMultiple: false, minimumIsOneBlock: false, chaining: .bigEndianCounter,
            kernelContinuesAcrossRounds: true, openSSL: stemMode("CTR")),
        "xts": Template(
            inner: nil, keyLayout: .xtsKeyPair, ivLayout: .tweak, ivSize: { $0 }, isStream: false,
            requiresBlockMultiple: false, minimumIsOneBlock: true, chaining: .wholeMessage,
            kernelContinuesAcrossRounds: false,
            requiredBlockSize: 16,
            openSSL: aesOnly(OpenSSLMapping(
                naming: .aesXTS, singleShot: true,
                maximumInput: (16 << 20, "OpenSSL limits one XTS data unit to 2^20 blocks")))),
        "cts": Template(
            inner: "cbc", keyLayout: .single, ivLayout: .chainingBlock, ivSize: { $0 }, isStream: false,
            requiresBlockMultiple: false, minimumIsOneBlock: true, chaining: .wholeMessage,
            kernelContinuesAcrossRounds: false,
            openSSL: aesOnly(OpenSSLMapping(naming: .aesCBCCTS, singleShot: true, ctsCS3: true))),
        "rfc3686": Template(
            inner: "ctr", keyLayout: .keyThenNonce(nonceSize: 4), ivLayout: .rfc3686, ivSize: { _ in 8 },
            isStream: true, requiresBlockMultiple: false, minimumIsOneBlock: false, chaining: .wholeMessage,
            kernelContinuesAcrossRounds: false,
            requiredBlockSize: 16,
            openSSL: aesOnly(OpenSSLMapping(naming: .stem(.bits("AES"), mode: "CTR"), layout: .rfc3686))),
    ]

    /// Stream ciphers that are algorithms by themselves (no template).
    static let streamCiphers: [String: CipherAlgorithm] = [
        "chacha20": stream(
            "chacha20", ivSize: 16, ivLayout: .chacha20, chaining: .chacha20BlockCounter,
            openSSL: OpenSSLMapping(naming: .fixed("ChaCha20"), layout: .chacha20)),
        "xchacha20": stream("xchacha20", ivSize: 32, ivLayout: .xchacha, chaining: .wholeMessage, openSSL: nil),
        "xchacha12": stream("xchacha12", ivSize: 32, ivLayout: .xchacha, chaining: .wholeMessage, openSSL: nil),
    ]

    private static func stream(
        _ name: String, ivSize: Int, ivLayout: IVLayout, chaining: IVChaining, openSSL: OpenSSLMapping?
    ) -> CipherAlgorithm {
        CipherAlgorithm(
            name: AlgorithmName(base: name), family: .skcipher, keySizes: [32], keyLayout: .single, ivSize: ivSize,
            ivLayout: ivLayout, blockSize: 1, ivChaining: chaining, requiresBlockMultiple: false, minimumInput: 0,
            kernelContinuesAcrossRounds: false, openSSL: openSSL)
    }

    /// The full entry for a parsed name, or nil when the template or the cipher is not in the table.
    static func entry(for name: AlgorithmName) -> CipherAlgorithm? {
        guard !name.arguments.isEmpty else { return streamCiphers[name.base] }
        guard name.arguments.count == 1, let template = templates[name.base] else { return nil }
        var argument = name.arguments[0]
        if let inner = template.inner {
            guard argument.base == inner, argument.arguments.count == 1 else { return nil }
            argument = argument.arguments[0]
        }
        guard argument.arguments.isEmpty, let cipher = blockCiphers[argument.base],
              template.requiredBlockSize.map({ $0 == cipher.blockSize }) ?? true
        else { return nil }
        return CipherAlgorithm(
            name: name, family: .skcipher, keySizes: template.keyLayout.kernelSizes(cipher.keySizes),
            keyLayout: template.keyLayout, ivSize: template.ivSize(cipher.blockSize), ivLayout: template.ivLayout,
            blockSize: template.isStream ? 1 : cipher.blockSize, ivChaining: template.chaining,
            requiresBlockMultiple: template.requiresBlockMultiple,
            minimumInput: template.minimumIsOneBlock ? cipher.blockSize : 0,
            kernelContinuesAcrossRounds: template.kernelContinuesAcrossRounds,
            openSSL: template.openSSL(argument.base, cipher.openSSL))
    }

    /// Every entry: each template over each cipher, then the stream ciphers, sorted by name.
    static let all: [CipherAlgorithm] = {
        var names: [AlgorithmName] = []
        for (base, template) in templates {
            for cipher in blockCiphers.keys {
                let leaf = AlgorithmName(base: cipher)
                let argument = template.inner.map { AlgorithmName(base: $0, arguments: [leaf]) } ?? leaf
                names.append(AlgorithmName(base: base, arguments: [argument]))
            }
        }
        return (names.compactMap(entry(for:)) + streamCiphers.values).sorted { $0.name.description < $1.name.description }
    }()

    /// The kernel engine's rules for a bound algorithm, from its /proc/crypto `name`, block size and key range.
    struct KernelRules: Sendable, Hashable {
        /// Valid key lengths within min…max: the catalog's where known, else every length in the range.
        var keySizes: [Int]
        var requiresBlockMultiple: Bool
        var minimumInput: Int
        /// AF_ALG continues the IV across `sendmsg(MSG_MORE)` rounds (ecb, cbc, ctr).
        var continuesAcrossRounds: Bool
    }

    /// Rules for a name the table may know only in part: the outermost template decides the block rule and
    /// round chaining (ecb/cbc need whole blocks of the kernel's block size; xts/cts one block), the innermost
    /// cipher (through single-argument templates) the key sizes, kept within the kernel's range.
    static func kernelRules(name: String, blockSize: Int, minKey: Int, maxKey: Int) -> KernelRules {
        let range = minKey <= maxKey ? Array(minKey...maxKey) : []
        guard let parsed = AlgorithmName(name) else {
            return KernelRules(keySizes: range, requiresBlockMultiple: false, minimumInput: 0, continuesAcrossRounds: false)
        }
        let template = parsed.arguments.isEmpty ? nil : templates[parsed.base]
        let base: [Int]?
        if let stream = streamCiphers[parsed.base], parsed.arguments.isEmpty {
            base = stream.keySizes
        } else if let cipher = parsed.innermostCipher {
            base = blockCiphers[cipher]?.keySizes ?? streamCiphers[cipher]?.keySizes
        } else {
            base = nil
        }
        var keySizes = range
        if let base {
            let inRange = (template?.keyLayout ?? .single).kernelSizes(base).filter { $0 >= minKey && $0 <= maxKey }
            if !inRange.isEmpty { keySizes = inRange }
        }
        return KernelRules(
            keySizes: keySizes, requiresBlockMultiple: (template?.requiresBlockMultiple ?? false) && blockSize > 1,
            minimumInput: template?.minimumIsOneBlock == true ? blockSize : 0,
            continuesAcrossRounds: template?.kernelContinuesAcrossRounds ?? false)
    }
}

extension AlgorithmCatalog {
    /// The chaining rule for `name` with an engine's IV size: the entry's rule when the catalog knows the name
    /// (and its IV size agrees), else the outermost template's rule over a plain cipher the table lacks
    /// (`cbc(serpent)`: the last ciphertext block works for any block cipher); `.wholeMessage` otherwise.
    static func chaining(name: String, ivSize: Int) -> IVChaining {
        guard let parsed = AlgorithmName(name) else { return .wholeMessage }
        let rule: IVChaining
        if let entry = entry(for: parsed) {
            guard entry.ivSize == ivSize else { return .wholeMessage }
            rule = entry.ivChaining
        } else if parsed.arguments.count == 1, parsed.arguments[0].arguments.isEmpty,
                  let template = templates[parsed.base], template.inner == nil {
            rule = template.chaining
        } else {
            return .wholeMessage
        }
        switch rule {
        case .independent: return ivSize == 0 ? rule : .wholeMessage
        case .lastCiphertextBlock, .bigEndianCounter: return ivSize > 0 ? rule : .wholeMessage
        case .chacha20BlockCounter, .wholeMessage: return rule
        }
    }
}
