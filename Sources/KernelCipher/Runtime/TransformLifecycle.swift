import Synchronization

/// The key-and-release state every transform family shares (skcipher `CipherTransform`, `AEADTransform`,
/// `HashTransform`): whether a key is set, whether `release()` ran, the key storage, and the one re-keying protocol
/// (close idle slots, key the engine, make slots made meanwhile stale, store the key, open the gate) that keeps
/// every request under either the previous key or the new one and never lets a key outlive `release()`.
/// Stored inline in its transform (`~Copyable`), so the per-request check is one atomic load.
struct TransformLifecycle: ~Copyable, Sendable {
    private struct State { var key: SecureBytes?; var released = false }
    private let state = LockedValue(State())
    /// Lock-free copy of `state` for the per-request check: 0 = keyed (or keyless algorithm) and usable, else
    /// `Gate.noKey` and/or `Gate.released`.
    private let gate: Atomic<Int>
    private enum Gate { static let noKey = 1, released = 2 }

    /// A lifecycle whose requests wait for a key (`needsKey`), or run at once (unkeyed hashes).
    init(needsKey: Bool = true) { gate = Atomic(needsKey ? Gate.noKey : 0) }

    /// Throws `.transformReleased` or `.keyNotSet` unless the transform can serve a request; one atomic load.
    @inline(__always)
    func check() throws(KernelCipherError) {
        let gate = gate.load(ordering: .acquiring)
        if gate != 0 { throw gate & Gate.released != 0 ? .transformReleased : .keyNotSet }
    }

    /// True once `release()` ran.
    var isReleased: Bool { gate.load(ordering: .acquiring) & Gate.released != 0 }

    /// The key storage, for zeroization tests (nil for a key the process never held).
    var keyStorage: SecureBytes? { state.withLock { $0.key } }

    /// The re-keying protocol every key source follows (bytes or a `KernelKey`): refuse after release, `flush` idle
    /// slots (the kernel refuses ALG_SET_KEY with EBUSY while op sockets are open), let `apply` key the engine,
    /// `flush` again (slots made in between are under the previous key), then store `secure` (nil for a key the
    /// process never holds) and open the gate. `secure` is wiped if the transform was released or `apply` threw;
    /// if `release()` ran meanwhile, `releaseEngine` drops the key the engine may have taken after release did.
    func rekey(
        storing secure: SecureBytes?, flush: () -> Void, apply: () throws(KernelCipherError) -> Void,
        releaseEngine: () -> Void
    ) throws(KernelCipherError) {
        if state.withLock({ $0.released }) { secure?.wipe(); throw .transformReleased }
        flush()
        do {
            try apply()
        } catch {
            secure?.wipe()
            throw error
        }
        flush()
        // The previous storage is released, not wiped: another thread may still be keying a slot from it.
        let stored = state.withLock { s -> Bool in
            if s.released { return false }
            s.key = secure
            gate.bitwiseAnd(~Gate.noKey, ordering: .releasing)
            return true
        }
        if !stored {
            releaseEngine()
            throw .transformReleased
        }
    }

    /// Marks the transform released and drops the key storage; true only for the first call, whose caller then
    /// tears down the queue, the slots and the engine.
    func markReleased() -> Bool {
        state.withLock { s -> Bool in
            if s.released { return false }
            s.released = true
            s.key = nil
            gate.bitwiseOr(Gate.released, ordering: .releasing)
            return true
        }
    }
}
