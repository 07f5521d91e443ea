/// Chooses the engine for a new transform.
enum EngineSelector {
    /// The one selection rule every family (skcipher, AEAD, hash, RNG) follows: `.kernel` and `.software` make that
    /// engine or throw its error; `.automatic` makes the kernel engine when it binds, else the software engine with
    /// the kernel's reason, else `.noEngineAvailable` carrying both reasons.
    static func choose<SelectedEngine>(
        _ algorithm: String, preference: EnginePreference,
        kernel: () throws(KernelCipherError) -> SelectedEngine, software: () throws(KernelCipherError) -> SelectedEngine
    ) throws(KernelCipherError) -> (SelectedEngine, EngineSelection) {
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
}
