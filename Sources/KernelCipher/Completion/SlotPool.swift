/// Idle op slots of one transform, reused across requests; slots are created on demand.
/// A key change bumps the generation: slots made under an older key are freed instead of reused.
final class SlotPool: @unchecked Sendable {
    /// A slot and the key generation it was made under.
    struct Lease { let slot: any CipherSlot; let generation: Int }
    private struct State { var idle: [Lease] = []; var generation = 0; var released = false }
    private let backend: any CipherBackend
    private let keepIdle: Int
    private let lock: ConditionLock<State>

    init(backend: any CipherBackend, keepIdle: Int) {
        self.backend = backend
        self.keepIdle = keepIdle
        self.lock = ConditionLock(State())
    }

    /// An idle slot, or a new one from the backend.
    func checkout() throws(KernelCipherError) -> Lease {
        let (reused, generation) = try lock.withLock { (s: inout State) throws(KernelCipherError) in
            if s.released { throw .transformReleased }
            return (s.idle.popLast(), s.generation)
        }
        if let reused { return reused }
        return Lease(slot: try backend.makeSlot(), generation: generation)
    }

    /// Returns a slot for reuse; it is freed instead when stale, the pool is full, or released.
    func checkin(_ lease: Lease) {
        lock.withLock { s in
            if !s.released && lease.generation == s.generation && s.idle.count < keepIdle {
                s.idle.append(lease)
            }
        }
    }

    /// Frees every idle slot and starts a new key generation; returns the slots to free outside the lock.
    @discardableResult
    func flush(releasing: Bool = false) -> [Lease] {
        lock.withLock { s in
            s.generation += 1
            if releasing { s.released = true }
            defer { s.idle.removeAll() }
            return s.idle
        }
    }
}
