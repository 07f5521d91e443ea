/// Chooses the engine for a new transform.
enum EngineSelector {
    /// The engine for `algorithm` under `preference`, and why it was chosen. With `.automatic`, when neither
    /// engine offers the algorithm the error is `.noEngineAvailable`, carrying both engines' reasons.
    static func select(
        _ algorithm: String, preference: EnginePreference, options: Transform.Options
    ) throws(KernelCipherError) -> (any CipherEngine, EngineSelection) {
        try choose(
            algorithm, preference: preference,
            kernel: { () throws(KernelCipherError) -> any CipherEngine in
                try KernelCipherEngine(algorithm: algorithm, options: options)
            },
            software: { () throws(KernelCipherError) -> any CipherEngine in
                try SoftwareCipherEngine(algorithm: algorithm)
            })
    }

    /// The one selection rule every family (skcipher, AEAD, hash, RNG) follows: `.kernel` and `.software` make that
    /// engine or throw its error; `.automatic` makes the kernel engine when it binds, else the software engine with
    /// the kernel's reason, else `.noEngineAvailable` carrying both reasons.
    static func choose<Engine>(
        _ algorithm: String, preference: EnginePreference,
        kernel: () throws(KernelCipherError) -> Engine, software: () throws(KernelCipherError) -> Engine
    ) throws(KernelCipherError) -> (Engine, EngineSelection) {
        switch preference {
        case .software:
            return (try software(), EngineSelection(engine: .software, reason: "requested"))
        case .kernel:
            return (try kernel(), EngineSelection(engine: .kernel, reason: "requested"))
        case .automatic:
            let kernelError: KernelCipherError
            do {
                return (try kernel(), EngineSelection(engine: .kernel, reason: "binds through AF_ALG"))
            } catch {
                kernelError = error
            }
            do {
                return (try software(), EngineSelection(engine: .software, reason: kernelError.description))
            } catch {
                throw .noEngineAvailable(algorithm, kernel: kernelError, software: error)
            }
        }
    }

    /// Whether `engine` offers `algorithm` here.
    static func isAvailable(_ algorithm: String, engine: EngineKind) -> Bool {
        switch engine {
        case .software: return SoftwareCipherEngine.isAvailable(algorithm)
        case .kernel: return KernelCipherEngine.isAvailable(algorithm)
        }
    }

    /// What `.automatic` picks for `algorithm` here (the engine, why, and its driver), found by selecting for real
    /// (the engine is released at once; no transform, slot or queue is made), or the error both engines gave.
    static func automaticChoice(
        _ algorithm: String
    ) -> Result<(selection: EngineSelection, driver: String), KernelCipherError> {
        do throws(KernelCipherError) {
            let (engine, selection) = try select(
                algorithm, preference: .automatic, options: Transform.Options(maxInFlight: 1))
            defer { engine.release() }
            return .success((selection, engine.driver))
        } catch {
            return .failure(error)
        }
    }
}
