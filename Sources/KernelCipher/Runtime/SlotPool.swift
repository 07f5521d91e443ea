import Synchronization

/// Idle op slots of one transform, reused across requests; slots are created on demand.
/// A key change bumps the generation: slots made under an older key are freed instead of reused.
///
/// Fast path: one idle slot is parked in an atomic "hot" cell, so a caller running requests one after another
/// (the synchronous API) takes and returns it with one atomic exchange each, without the pool lock.
/// Further idle slots live in a locked list.
final class SlotPool<Slot>: @unchecked Sendable {
    private struct State { var idle: [PooledSlot<Slot>] = [] }
    private let makeSlot: @Sendable () throws(KernelCipherError) -> Slot
    private let keepIdle: Int
    /// Whether a worker thread may keep a slot across requests (`execute(_:held:_:)`).
    let workersHold: Bool
    private let lock: ConditionLock<State>
    private let hot = Atomic<Unmanaged<PooledSlot<Slot>>?>(nil)
    private let generation = Atomic<Int>(0)
    private let released = Atomic<Bool>(false)

    /// A pool keeping up to `keepIdle` idle slots; `makeSlot` creates one (the engine's, e.g. `accept(2)`);
    /// `workersHold`: worker threads keep a slot while they stay busy instead of returning it after each request.
    init(keepIdle: Int, workersHold: Bool = false, makeSlot: @escaping @Sendable () throws(KernelCipherError) -> Slot) {
        self.makeSlot = makeSlot
        self.keepIdle = keepIdle
        self.workersHold = workersHold
        self.lock = ConditionLock(State())
    }

    deinit { hot.exchange(nil, ordering: .sequentiallyConsistent)?.release() }

    /// An idle slot, or a new one from `makeSlot`.
    func checkout() throws(KernelCipherError) -> PooledSlot<Slot> {
        if released.load(ordering: .sequentiallyConsistent) { throw .transformReleased }
        let current = generation.load(ordering: .sequentiallyConsistent)
        if let parked = hot.exchange(nil, ordering: .sequentiallyConsistent)?.takeRetainedValue(),
           parked.generation == current
        {
            return parked
        }
        let reused = try lock.withLock { (s: inout State) throws(KernelCipherError) -> PooledSlot<Slot>? in
            if released.load(ordering: .sequentiallyConsistent) { throw .transformReleased }
            while let pooled = s.idle.popLast() {
                if pooled.generation == current { return pooled }
            }
            return nil
        }
        if let reused { return reused }
        return PooledSlot(try makeSlot(), generation: current)
    }

    /// Returns a slot for reuse; it is freed instead when broken, stale, the pool is full, or released.
    func checkin(_ pooled: consuming PooledSlot<Slot>) {
        guard !pooled.isBroken, isCurrent(pooled) else { return }
        let generation = pooled.generation
        // The caller's reference moves into the hot cell: `consume` ends `pooled` here, so the retain `passRetained`
        // makes cancels the parameter's release (without it both stayed, around the atomics: ≈ 45 instructions a
        // synchronous call, callgrind).
        let parked = Unmanaged.passRetained(consume pooled)
        if hot.compareExchange(expected: nil, desired: parked, ordering: .sequentiallyConsistent).exchanged {
            // A flush may have run between the check and the park: take the slot back out if it went stale.
            if !isCurrent(generation) { hot.exchange(nil, ordering: .sequentiallyConsistent)?.release() }
            return
        }
        let pooled = parked.takeRetainedValue()
        lock.withLock { s in
            if isCurrent(pooled) && s.idle.count < keepIdle - 1 { s.idle.append(pooled) }
        }
    }

    /// True while the slot was made under the current key and the pool is not released.
    func isCurrent(_ pooled: PooledSlot<Slot>) -> Bool { isCurrent(pooled.generation) }

    private func isCurrent(_ slotGeneration: Int) -> Bool {
        !released.load(ordering: .sequentiallyConsistent)
            && slotGeneration == generation.load(ordering: .sequentiallyConsistent)
    }

    /// Frees every idle slot and starts a new key generation; returns the slots to free outside the lock.
    @discardableResult
    func flush(releasing: Bool = false) -> [PooledSlot<Slot>] {
        var stale = lock.withLock { s in
            generation.add(1, ordering: .sequentiallyConsistent)
            if releasing { released.store(true, ordering: .sequentiallyConsistent) }
            defer { s.idle.removeAll() }
            return s.idle
        }
        if let parked = hot.exchange(nil, ordering: .sequentiallyConsistent)?.takeRetainedValue() {
            stale.append(parked)
        }
        return stale
    }
}

/// A slot as the pool holds it: the slot, the key generation it was made under, and whether it broke.
final class PooledSlot<Slot>: @unchecked Sendable {
    /// The slot (an AF_ALG op socket, an EVP context pair, …).
    let slot: Slot
    /// The pool's key generation when the slot was made.
    let generation: Int
    /// A request failed on the slot after it passed validation: it may hold that request's queued data, so
    /// `checkin` frees it instead of reusing it. Set by the one thread using the slot.
    var isBroken = false

    init(_ slot: Slot, generation: Int) {
        self.slot = slot
        self.generation = generation
    }

    /// Runs `body` on the slot, marking it broken when `body` throws. Called on the pooled slot, whose `let`
    /// keeps the slot alive, the call needs no retain/release of the slot (`pooled.slot` read from outside costs
    /// one pair, ≈ 40 instructions).
    @inline(__always)
    func use<R, E: Error>(_ body: (Slot) throws(E) -> R) throws(E) -> R {
        do {
            return try body(slot)
        } catch {
            isBroken = true
            throw error
        }
    }
}
