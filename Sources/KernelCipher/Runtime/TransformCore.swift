/// The runtime under every family's public transform (skcipher, AEAD, hash), stored inline in it: the engine and
/// why it was chosen, the key/release lifecycle, the slot pool and the request queue. What a family adds is its
/// request validation and the way one request runs on one slot; allocation, keying (bytes and keyring keys, one
/// re-keying protocol), release, synchronous slot use, callback submission and the `async` "inline or hand to a
/// worker" rule are written here once.
struct TransformCore<Slot, Work: Sendable, Output: Sendable>: ~Copyable, Sendable {
    /// The kernel algorithm name asked for.
    let algorithm: String
    /// The engine serving the transform and why it was chosen.
    let selection: EngineSelection
    /// The engine (its family-specific interface stays with the family).
    let engine: any Engine
    /// Idle slots, reused across requests.
    let slots: SlotPool<Slot>
    /// Where callback and large `async` requests go.
    let requests: RequestDispatcher<Work, Output>
    /// Key, release and the per-request gate (one atomic load per request).
    let lifecycle: TransformLifecycle
    /// `async` inputs up to this many bytes run inline on the calling task.
    let asyncInlineLimit: Int

    /// A core over `engine`: slots from `makeSlot`, requests through `dispatcher(slots)`; `needsKey` false for
    /// algorithms that run without a key (unkeyed hashes). `asyncInlineLimit` is the options' or the engine default.
    init(
        algorithm: String, selection: EngineSelection, engine: any Engine, needsKey: Bool,
        options: TransformOptions, defaultAsyncInlineLimit: Int,
        makeSlot: @escaping @Sendable () throws(KernelCipherError) -> Slot,
        dispatcher: (SlotPool<Slot>) -> RequestDispatcher<Work, Output>
    ) {
        self.algorithm = algorithm
        self.selection = selection
        self.engine = engine
        self.lifecycle = TransformLifecycle(needsKey: needsKey)
        self.asyncInlineLimit = options.asyncInlineLimit ?? defaultAsyncInlineLimit
        // Kernel op sockets go back to the pool after every request: ALG_SET_KEY fails with EBUSY while any is open.
        let slots = SlotPool(keepIdle: options.maxInFlight, workersHold: selection.engine == .software, makeSlot: makeSlot)
        self.slots = slots
        self.requests = dispatcher(slots)
    }

    /// Keys the engine from bytes whose length the family has checked (`crypto_*_setkey`), by the re-keying
    /// protocol; `secure` is wiped on failure and once the engine no longer needs it.
    func setKey(_ secure: SecureBytes) throws(KernelCipherError) {
        let engine = self.engine
        try rekey(storing: secure) { () throws(KernelCipherError) in try engine.setKey(secure) }
    }

    /// Keys the engine from a kernel keyring key (`ALG_SET_KEY_BY_KEY_SERIAL`): only the kernel engine can, so a
    /// software-engine transform throws `.kernelKey(.requiresKernelEngine)` and never falls back.
    func setKey(_ key: KernelKey) throws(KernelCipherError) {
        guard selection.engine == .kernel else {
            throw .kernelKey(.requiresKernelEngine(reason: "\(algorithm) runs on the software engine (\(selection.reason))"))
        }
        let engine = self.engine
        try rekey(storing: nil) { () throws(KernelCipherError) in try engine.setKey(key) }
    }

    /// `setKey(key)` for a transform just allocated to be pinned to that key: on failure the transform is
    /// released before the error is thrown (the `init(_:kernelKey:)` of every keyed family).
    func adopt(_ key: KernelKey) throws(KernelCipherError) {
        do {
            try setKey(key)
        } catch {
            release()
            throw error
        }
    }

    /// The re-keying protocol (`TransformLifecycle.rekey`) over this transform's slots, queue and engine.
    func rekey(storing secure: SecureBytes?, _ apply: () throws(KernelCipherError) -> Void) throws(KernelCipherError) {
        let slots = self.slots, requests = self.requests, engine = self.engine
        try lifecycle.rekey(
            storing: secure,
            flush: {
                _ = slots.flush()
                requests.flushIdle()
            },
            apply: apply, releaseEngine: { engine.release() })
    }

    /// Releases the transform: queued requests fail with `.transformReleased`, running ones finish, slots are
    /// freed and the engine drops its key. Idempotent.
    func release() {
        guard lifecycle.markReleased() else { return }
        requests.release()
        slots.flush(releasing: true)
        engine.release()
    }

    /// Runs `body` on a pooled slot on the calling thread (the synchronous path); a slot whose request failed after
    /// validation is discarded, never reused.
    @inline(__always)
    func withSlot<R>(_ body: (PooledSlot<Slot>) throws(KernelCipherError) -> R) throws(KernelCipherError) -> R {
        let pooled = try slots.checkout()
        defer { slots.checkin(pooled) }
        return try body(pooled)
    }

    /// Queues a validated callback request (the `…Request` types of every family), stored in its one job
    /// (`RequestJob`). Not generic over the request: the path below it is specialized for the family's types, where
    /// a generic `Request` left it unspecialized, looking up generic metadata at every step.
    func submit(_ job: consuming Job<Work, Output>, flags: RequestFlags) throws(KernelCipherError) -> RequestStatus {
        try requests.submit(job, mayBacklog: flags.contains(.mayBacklog))
    }

    /// The offloaded half of `runAsync`: a task cancelled before the request starts gets `.cancelled`; otherwise
    /// `work` is validated and runs on a worker (or the engine's completion queue) while the task is suspended.
    func perform(work: () throws(KernelCipherError) -> Work) async throws(KernelCipherError) -> Output {
        if Task.isCancelled { throw .cancelled }
        let job = Job<Work, Output>(try work(), completion: nil)
        let requests = self.requests
        return try await job.result { (job) throws(KernelCipherError) in _ = try requests.submit(job, mayBacklog: true) }
    }
}

/// The `async` rule of every family's one-call forms: an input of up to `limit` bytes (the transform's
/// `asyncInlineLimit`) runs `inline` on the task after a cancellation check (`.cancelled`); a larger one runs
/// `onWorker` (`TransformCore.perform`). `@inlinable`, as the public forms calling it: the inline path is then
/// specialized in the caller's module.
@inlinable
func runAsync<Output>(
    inputCount: Int, limit: Int, inline: () throws(KernelCipherError) -> Output,
    onWorker: () async throws(KernelCipherError) -> Output
) async throws(KernelCipherError) -> Output {
    if inputCount <= limit {
        if Task.isCancelled { throw .cancelled }
        return try inline()
    }
    return try await onWorker()
}

extension SlotPool {
    /// Runs a started job on a pooled slot and delivers its result, on the calling (worker) thread: the worker
    /// side of every family, `run` being the family's "one request on one slot". Where `workersHold`, the worker
    /// keeps the slot in `held` for its next job (see `WorkerThreads`) unless the slot broke; a slot held from before
    /// a re-key or release is freed, and a current one taken instead. Otherwise the slot is back in the pool before
    /// the completion runs, so a completion (or what it signals) can re-key the transform.
    func execute<Work, Output>(
        _ job: Job<Work, Output>, held: inout Unmanaged<AnyObject>?,
        _ run: (PooledSlot<Slot>, Work) throws(KernelCipherError) -> Output
    ) {
        guard workersHold else {
            let result = Result { () throws(KernelCipherError) -> Output in
                let pooled = try checkout()
                defer { checkin(pooled) }
                return try run(pooled, job.work)
            }
            return job.finish(result)
        }
        // `held` owns one reference to the worker's slot; it is used borrowed (a retain and a release of the slot per
        // request otherwise) and released when it is dropped.
        if let object = held, !object._withUnsafeGuaranteedRef({ isCurrent(Self.slot($0)) }) {
            held = nil
            object.release()
        }
        let result: Result<Output, KernelCipherError>
        if let object = held {
            result = object._withUnsafeGuaranteedRef { slot in
                Result { () throws(KernelCipherError) -> Output in try run(Self.slot(slot), job.work) }
            }
        } else {
            result = Result { () throws(KernelCipherError) -> Output in
                let pooled = try checkout()
                held = Unmanaged.passRetained(pooled)
                return try run(pooled, job.work)
            }
        }
        if let object = held, object._withUnsafeGuaranteedRef({ Self.slot($0).isBroken }) {
            held = nil
            object.release()
        }
        job.finish(result)
    }

    /// A worker's held object as the slot it is (`execute`, `park`).
    @inline(__always)
    private static func slot(_ object: AnyObject) -> PooledSlot<Slot> { unsafeDowncast(object, to: PooledSlot<Slot>.self) }

    /// Takes back the slot a worker held (`WorkerThreads`' `park`).
    func park(_ held: AnyObject) { checkin(Self.slot(held)) }
}

extension RequestDispatcher {
    /// Worker threads (`.threads`): each job runs on a slot from `slots` through `run` (`SlotPool.execute`), the
    /// worker keeping its slot between jobs where the pool lets it (`workersHold`: the software engine).
    static func workers<Slot>(
        slots: SlotPool<Slot>, options: TransformOptions,
        run: @escaping @Sendable (PooledSlot<Slot>, Work) throws(KernelCipherError) -> Output
    ) -> RequestDispatcher {
        RequestDispatcher(mode: .threads) {
            WorkerQueue<Work, Output>(
                maxInFlight: options.maxInFlight, backlogLimit: options.backlogLimit,
                execute: { job, held in slots.execute(job, held: &held, run) }, park: { slots.park($0) })
        }
    }
}
