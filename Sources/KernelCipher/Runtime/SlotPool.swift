import Synchronization

/// Idle op slots of one transform, reused across requests; slots are created on demand.
/// A key change bumps the generation: slots made under an older key are freed instead of reused.
///
/// Fast path: one idle slot is parked in an atomic "hot" cell, so a caller running requests one after another
/// (the synchronous API) takes and returns it with one atomic exchange each, without the pool lock.
/// Further idle slots live in a locked list.
final class SlotPool: @unchecked Sendable {
    /// A slot and the key generation it was made under.
    final class Lease: @unchecked Sendable {
        let slot: any CipherSlot
        let generation: Int
        /// A request failed on the slot after it passed validation: it may hold that request's queued data, so
        /// `checkin` frees it instead of reusing it. Set by the one thread using the lease.
        var isBroken = false
        init(slot: any CipherSlot, generation: Int) {
            self.slot = slot
            self.generation = generation
        }

        /// Runs one request on the slot. Called on the lease, whose `let` keeps the slot alive, the call needs no
        /// retain/release of the slot (`lease.slot.run` from outside costs one pair, ≈ 40 instructions).
        func run(
            _ operation: CipherOperation, iv: UnsafeRawBufferPointer,
            input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer
        ) throws(KernelCipherError) {
            do {
                try slot.run(operation, iv: iv, input: input, output: output)
            } catch {
                isBroken = true
                throw error
            }
        }
    }

    private struct State { var idle: [Lease] = [] }
    private let backend: any CipherBackend
    private let keepIdle: Int
    private let lock: ConditionLock<State>
    private let hot = Atomic<Unmanaged<Lease>?>(nil)
    private let generation = Atomic<Int>(0)
    private let released = Atomic<Bool>(false)

    init(backend: any CipherBackend, keepIdle: Int) {
        self.backend = backend
        self.keepIdle = keepIdle
        self.lock = ConditionLock(State())
    }

    deinit { hot.exchange(nil, ordering: .sequentiallyConsistent)?.release() }

    /// An idle slot, or a new one from the backend.
    func checkout() throws(KernelCipherError) -> Lease {
        if released.load(ordering: .sequentiallyConsistent) { throw .transformReleased }
        let current = generation.load(ordering: .sequentiallyConsistent)
        if let parked = hot.exchange(nil, ordering: .sequentiallyConsistent)?.takeRetainedValue(),
           parked.generation == current
        {
            return parked
        }
        let reused = try lock.withLock { (s: inout State) throws(KernelCipherError) -> Lease? in
            if released.load(ordering: .sequentiallyConsistent) { throw .transformReleased }
            while let lease = s.idle.popLast() {
                if lease.generation == current { return lease }
            }
            return nil
        }
        if let reused { return reused }
        return Lease(slot: try backend.makeSlot(), generation: current)
    }

    /// Returns a slot for reuse; it is freed instead when broken, stale, the pool is full, or released.
    func checkin(_ lease: consuming Lease) {
        guard !lease.isBroken, isCurrent(lease) else { return }
        let generation = lease.generation
        // The caller's reference moves into the hot cell (no extra retain/release pair on the fast path).
        let parked = Unmanaged.passRetained(lease)
        if hot.compareExchange(expected: nil, desired: parked, ordering: .sequentiallyConsistent).exchanged {
            // A flush may have run between the check and the park: take the slot back out if it went stale.
            if !isCurrent(generation) { hot.exchange(nil, ordering: .sequentiallyConsistent)?.release() }
            return
        }
        let lease = parked.takeRetainedValue()
        lock.withLock { s in
            if isCurrent(lease) && s.idle.count < keepIdle - 1 { s.idle.append(lease) }
        }
    }

    private func isCurrent(_ lease: Lease) -> Bool { isCurrent(lease.generation) }

    private func isCurrent(_ leaseGeneration: Int) -> Bool {
        !released.load(ordering: .sequentiallyConsistent)
            && leaseGeneration == generation.load(ordering: .sequentiallyConsistent)
    }

    /// Frees every idle slot and starts a new key generation; returns the slots to free outside the lock.
    @discardableResult
    func flush(releasing: Bool = false) -> [Lease] {
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
