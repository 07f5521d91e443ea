/// Chooses the engine for a new transform.
enum EngineSelector {
    /// The engine for `algorithm` under `preference`, and why it was chosen. With `.automatic`, when neither
    /// engine offers the algorithm the error is `.noEngineAvailable`, carrying both engines' reasons.
    static func select(
        _ algorithm: String, preference: EnginePreference, options: Transform.Options
    ) throws(KernelCipherError) -> (any CipherEngine, EngineSelection) {
        switch preference {
        case .software:
            return (try SoftwareCipherEngine(algorithm: algorithm),
                    EngineSelection(engine: .software, reason: "requested"))
        case .kernel:
            return (try KernelCipherEngine(algorithm: algorithm, options: options),
                    EngineSelection(engine: .kernel, reason: "requested"))
        case .automatic:
            let kernelError: KernelCipherError
            do {
                let engine = try KernelCipherEngine(algorithm: algorithm, options: options)
                return (engine, EngineSelection(engine: .kernel, reason: "binds through AF_ALG"))
            } catch {
                kernelError = error
            }
            do {
                let engine = try SoftwareCipherEngine(algorithm: algorithm)
                return (engine, EngineSelection(engine: .software, reason: kernelError.description))
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
