/// How a transform of any family (skcipher, AEAD, hash, RNG) handles requests. Every field means something for
/// every family; a value a family cannot honour is refused at allocation (`.unsupportedOption`), never ignored.
public struct TransformOptions: Sendable, Hashable {
    /// Requests running at once (op sockets / EVP contexts, one worker thread each).
    public var maxInFlight: Int
    /// Requests that may wait beyond those in flight before a `.mayBacklog` request is reported `.backlogged`
    /// (still accepted, never refused: see `RequestFlags.mayBacklog`). A request without `.mayBacklog` fails
    /// with `.busy` as soon as every op slot is taken.
    public var backlogLimit: Int
    /// `async` calls with inputs up to this many bytes run inline on the calling task (no thread hop);
    /// nil picks the engine's default: 1 MiB for the software engine (pure CPU work, ≤ about 1 ms), 16 KiB for
    /// the kernel engine (a driver may complete asynchronously, so a read can wait), 4 KiB for random numbers.
    public var asyncInlineLimit: Int?
    /// How callback and large `async` requests learn that they finished: `.automatic` (the family's best mode
    /// here), `.threads`, or `.aio` (the kernel engine of the skcipher family; other families and the software
    /// engine refuse it with `.unsupportedOption`).
    public var completionMode: CompletionMode

    /// Defaults: 2 × CPUs in flight (4…16), 4096 backlog, the engine's inline limit, automatic completion mode.
    public init(
        maxInFlight: Int = min(16, max(4, 2 * System.cpuCount)), backlogLimit: Int = 4096,
        asyncInlineLimit: Int? = nil, completionMode: CompletionMode = .automatic
    ) {
        self.maxInFlight = maxInFlight
        self.backlogLimit = backlogLimit
        self.asyncInlineLimit = asyncInlineLimit
        self.completionMode = completionMode
    }

    /// Checks the values every family needs: at least one request in flight, no negative limits.
    func validated() throws(KernelCipherError) -> TransformOptions {
        if maxInFlight < 1 { throw .unsupportedOption("maxInFlight \(maxInFlight): at least 1 request must run") }
        if backlogLimit < 0 { throw .unsupportedOption("backlogLimit \(backlogLimit) is negative") }
        if let limit = asyncInlineLimit, limit < 0 {
            throw .unsupportedOption("asyncInlineLimit \(limit) is negative")
        }
        return self
    }

    /// Refuses `.aio` on the software engine (AIO is the kernel's: `io_submit` reads of op sockets), releasing the
    /// engine just selected for the transform that will not be made.
    func checkCompletion(
        for algorithm: String, on selection: EngineSelection, releasing engine: some Engine
    ) throws(KernelCipherError) {
        guard completionMode == .aio, selection.engine == .software else { return }
        engine.release()
        throw .unsupportedOption(
            "completionMode .aio needs the kernel engine; \(algorithm) runs on the software engine (\(selection.reason))")
    }

    /// The completion mode for a family whose requests complete on worker threads only: `.automatic` and
    /// `.threads` give `.threads`; `.aio` is refused, naming the family.
    func threadsOnly(_ family: String) throws(KernelCipherError) -> CompletionMode {
        if completionMode == .aio {
            throw .unsupportedOption("completionMode .aio: \(family) requests complete on worker threads only")
        }
        return .threads
    }
}
