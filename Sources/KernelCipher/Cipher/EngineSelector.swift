/// Chooses the engine for a new transform.
enum EngineSelector {
    /// The backend for `algorithm` under `preference`, and why it was chosen.
    static func select(
        _ algorithm: String, preference: EnginePreference, options: Transform.Options
    ) throws(KernelCipherError) -> (any CipherBackend, EngineSelection) {
        switch preference {
        case .software:
            return (try SoftwareBackend(algorithm: algorithm), EngineSelection(engine: .software, reason: "requested"))
        case .kernel:
            return (try KernelBackend(algorithm: algorithm, options: options),
                    EngineSelection(engine: .kernel, reason: "requested"))
        case .automatic:
            let kernelError: KernelCipherError
            do {
                let backend = try KernelBackend(algorithm: algorithm, options: options)
                return (backend, EngineSelection(engine: .kernel, reason: "binds through AF_ALG"))
            } catch {
                kernelError = error
            }
            do {
                let backend = try SoftwareBackend(algorithm: algorithm)
                return (backend, EngineSelection(engine: .software, reason: kernelError.description))
            } catch {
                // Neither engine has it: the kernel's answer is the more telling one when it was found there (or
                // refused by policy) and the software engine only lacks a mapping.
                if case .algorithmNotFound = error {
                    switch kernelError {
                    case .algorithmNotFound, .refusedByPolicy: throw kernelError
                    default: break
                    }
                }
                throw error
            }
        }
    }

    /// Whether `engine` offers `algorithm` here.
    static func isAvailable(_ algorithm: String, engine: EngineKind) -> Bool {
        switch engine {
        case .software: return SoftwareBackend.isAvailable(algorithm)
        case .kernel: return KernelBackend.isAvailable(algorithm)
        }
    }
}
