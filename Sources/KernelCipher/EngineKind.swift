/// Which engine serves a transform.
public enum EngineKind: String, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The kernel crypto API through AF_ALG sockets.
    case kernel
    /// OpenSSL libcrypto's EVP interface in this process.
    case software

    /// The raw name.
    public var description: String { rawValue }
}

/// Which engine a transform should use.
public enum EnginePreference: String, Sendable, Hashable, Codable, CaseIterable {
    /// The kernel engine when the algorithm binds through AF_ALG here, otherwise the software engine.
    case automatic
    /// The kernel engine only; allocation fails with a typed error where AF_ALG is unusable.
    case kernel
    /// The software (OpenSSL) engine only.
    case software
}

/// The engine a transform got, and why.
public struct EngineSelection: Sendable, Hashable, CustomStringConvertible {
    /// The engine serving the transform.
    public let engine: EngineKind
    /// Why this engine was chosen, e.g. "AF_ALG unavailable: socket(AF_ALG) failed with EAFNOSUPPORT".
    public let reason: String

    /// "software (AF_ALG unavailable: …)".
    public var description: String { "\(engine) (\(reason))" }
}
