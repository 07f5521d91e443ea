// Engine facts for `kcrypto doctor`: the AIO probe (`AIOProbe.run`) and the automatic-engine choice per
// algorithm (`CipherTransform.automaticChoice`, which selects an engine for real), both checked for real.

/// Facts about the cipher engines that `kcrypto doctor` reports; nil means "not checked", never a guess.
public struct EngineDiagnostics: Sendable, Hashable, Codable {
    /// Which engine `.automatic` picks for one algorithm, and why.
    public struct AutomaticChoice: Sendable, Hashable, Codable {
        /// Algorithm name, e.g. `cbc(aes)`.
        public var algorithm: String
        /// Engine name, e.g. `kernel` or `software`.
        public var engine: String
        /// Optional one-line reason (e.g. `bind ENOENT`).
        public var reason: String?

        /// Creates a choice record.
        public init(algorithm: String, engine: String, reason: String? = nil) {
            self.algorithm = algorithm
            self.engine = engine
            self.reason = reason
        }
    }

    /// Whether an `io_submit` AIO read on an AF_ALG op socket was accepted; nil = not checked.
    public var aioAccepted: Bool?
    /// Whether that AIO request completed asynchronously (`-EIOCBQUEUED`) rather than inline; nil = not checked.
    public var aioCompletesAsynchronously: Bool?
    /// Free-form detail about the AIO probe (errno, kernel behaviour); nil when not checked.
    public var aioDetail: String?
    /// The `.automatic` engine choice per algorithm; nil = not checked.
    public var automaticChoices: [AutomaticChoice]?
    /// The completion mode `.automatic` resolves to on the kernel engine, and why (`AIOProbe.automaticCompletion`);
    /// nil = not checked.
    public var automaticCompletion: String? = nil

    /// Creates engine facts; omitted members stay "not checked".
    public init(aioAccepted: Bool? = nil, aioCompletesAsynchronously: Bool? = nil, aioDetail: String? = nil,
                automaticChoices: [AutomaticChoice]? = nil) {
        self.aioAccepted = aioAccepted
        self.aioCompletesAsynchronously = aioCompletesAsynchronously
        self.aioDetail = aioDetail
        self.automaticChoices = automaticChoices
    }

    /// Every fact "not checked".
    public static let notChecked = EngineDiagnostics()

    private enum CodingKeys: String, CodingKey {
        case aioAccepted, aioCompletesAsynchronously, aioDetail, automaticChoices, automaticCompletion
    }

    /// Encodes every member, writing `null` for "not checked" so JSON readers see the key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(aioAccepted, forKey: .aioAccepted)
        try container.encode(aioCompletesAsynchronously, forKey: .aioCompletesAsynchronously)
        try container.encode(aioDetail, forKey: .aioDetail)
        try container.encode(automaticChoices, forKey: .automaticChoices)
        try container.encode(automaticCompletion, forKey: .automaticCompletion)
    }
}

extension Diagnostics {
    /// Algorithms whose `.automatic` engine choice `doctor` reports.
    public static let standardAlgorithms = [
        "ecb(aes)", "cbc(aes)", "ctr(aes)", "xts(aes)", "cts(cbc(aes))", "rfc3686(ctr(aes))", "chacha20",
        "cbc(des3_ede)", "ecb(des3_ede)", "cbc(sm4)", "ctr(sm4)", "cbc(camellia)",
    ]

    /// The engine probe `collect()` uses by default: probes AIO on an AF_ALG op socket of `cbc(aes)` (and of the
    /// asynchronous `cryptd(cbc(aes-generic))`), and selects an engine for each standard algorithm with
    /// `.automatic` (`CipherTransform.automaticChoice`) to report the engine it got and why.
    public static let defaultEngineProbe: @Sendable (ProcCrypto?) -> EngineDiagnostics = { _ in
        let choices = standardAlgorithms.map { name -> EngineDiagnostics.AutomaticChoice in
            switch CipherTransform.automaticChoice(name) {
            case .success(let (selection, driver)):
                return .init(algorithm: name, engine: selection.engine.rawValue,
                             reason: "\(selection.reason); driver \(driver)")
            case .failure(let error):
                return .init(algorithm: name, engine: "none", reason: "\(error)")
            }
        }
        let completion = AFALGAvailability.current.isAvailable
            ? "\(AIOProbe.automaticCompletion.mode.rawValue) (\(AIOProbe.automaticCompletion.reason))" : nil
        let probe = AIOProbe.run(attempts: 4)
        guard probe.accepted else {
            var facts = EngineDiagnostics(aioAccepted: false, aioCompletesAsynchronously: nil,
                                          aioDetail: probe.description, automaticChoices: choices)
            facts.automaticCompletion = completion
            return facts
        }
        let cryptd = AIOProbe.run(algorithm: "cryptd(cbc(aes-generic))", attempts: 8, size: 65536)
        let asynchronous = probe.isAsynchronous || cryptd.isAsynchronous
        var facts = EngineDiagnostics(
            aioAccepted: true, aioCompletesAsynchronously: cryptd.accepted || probe.isAsynchronous ? asynchronous : nil,
            aioDetail: "\(probe); \(cryptd)", automaticChoices: choices)
        facts.automaticCompletion = completion
        return facts
    }
}

extension CipherTransform {
    /// What `.automatic` picks for `algorithm` here (the engine, why, and its driver), found by selecting for real
    /// (the engine is released at once; no transform, slot or queue is made), or the error both engines gave.
    static func automaticChoice(
        _ algorithm: String
    ) -> Result<(selection: EngineSelection, driver: String), KernelCipherError> {
        do throws(KernelCipherError) {
            let (engine, selection) = try EngineSelector.choose(
                algorithm, preference: .automatic,
                kernel: { () throws(KernelCipherError) -> any CipherEngine in
                    try KernelCipherEngine(algorithm: algorithm, options: TransformOptions(maxInFlight: 1))
                },
                software: { () throws(KernelCipherError) -> any CipherEngine in
                    try SoftwareCipherEngine(algorithm: algorithm)
                })
            defer { engine.release() }
            return .success((selection, engine.driver))
        } catch {
            return .failure(error)
        }
    }
}
