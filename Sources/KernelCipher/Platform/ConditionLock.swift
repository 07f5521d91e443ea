#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#endif

/// A pthread mutex with one condition variable, guarding a value (`pthread_mutex_*`, `pthread_cond_*`).
/// `Synchronization.Mutex` cannot wait on a condition, so request queues use this (and, as `@_spi(Platform)`, the
/// `kcrypto` tool's pipeline).
@_spi(Platform)
public final class ConditionLock<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: Value

    /// Creates the lock around an initial value (`pthread_mutex_init`, `pthread_cond_init`).
    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Runs `body` with the lock held (`pthread_mutex_lock`/`unlock`).
    public func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }

    /// Holds the lock, waits (`pthread_cond_wait`) until `ready` is true, then runs `body`.
    public func withLock<R>(waitingUntil ready: (Value) -> Bool, _ body: (inout Value) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(value) { pthread_cond_wait(condition, mutex) }
        return body(&value)
    }

    /// As `withLock(waitingUntil:_:)`, counting in `waiters` the threads blocked in `pthread_cond_wait`, so a
    /// signaller can tell whether anyone needs waking.
    func withLock<R>(
        waitingUntil ready: (Value) -> Bool, counting waiters: WritableKeyPath<Value, Int>, _ body: (inout Value) -> R
    ) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !ready(value) {
            value[keyPath: waiters] += 1
            pthread_cond_wait(condition, mutex)
            value[keyPath: waiters] -= 1
        }
        return body(&value)
    }

    /// Wakes one waiter (`pthread_cond_signal`).
    public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter (`pthread_cond_broadcast`).
    public func broadcast() { pthread_cond_broadcast(condition) }
}

/// A value guarded by a pthread mutex stored inline with it (one allocation, as swift-nio's `NIOLockedValueBox`)
/// (`pthread_mutex_lock` / `pthread_mutex_unlock`).
///
/// Used instead of `Synchronization.Mutex`, which on Linux hands a contended lock over inside the kernel
/// (`FUTEX_LOCK_PI` / `FUTEX_UNLOCK_PI`): ThreadSanitizer cannot see that happens-before edge and reports every
/// contended `Mutex.withLock` as a data race (10 of 10 runs of a 4-thread counter here; 0 with a pthread mutex).
/// A pthread mutex costs the same uncontended (one atomic compare-exchange each way) and TSan intercepts it, so the
/// sanitizer runs check the real synchronisation.
/// Also the `kcrypto` tool's lock (as `@_spi(Platform)`), for the same reason.
@_spi(Platform)
public final class LockedValue<Value>: @unchecked Sendable {
    private final class Storage: ManagedBuffer<Value, pthread_mutex_t> {}
    private let storage: Storage

    /// Creates the lock around an initial value (`pthread_mutex_init`).
    public init(_ value: Value) {
        storage = Storage.create(minimumCapacity: 1) { _ in value } as! Storage
        storage.withUnsafeMutablePointerToElements { _ = pthread_mutex_init($0, nil) }
    }

    deinit {
        storage.withUnsafeMutablePointerToElements { _ = pthread_mutex_destroy($0) }
    }

    /// Runs `body` with the lock held (`pthread_mutex_lock`/`unlock`).
    @inline(__always)
    public func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        try storage.withUnsafeMutablePointers { (value, mutex) throws(E) -> R in
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return try body(&value.pointee)
        }
    }
}

/// Starts a joinable pthread running `body` (`pthread_create`); the error when none can be started. Also the
/// `kcrypto` tool's threads (as `@_spi(Platform)`), which start without the Swift concurrency runtime.
@_spi(Platform)
public func spawnThread(_ body: @escaping @Sendable () -> Void) -> Result<pthread_t, Errno> {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let box = Unmanaged.passRetained(Box(body))
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { raw in
        Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
        return nil
    }, box.toOpaque())
    guard rc == 0 else {
        box.release()
        return .failure(Errno(rawValue: rc))
    }
    return .success(thread)
}

/// Starts a joinable pthread running `body` (`pthread_create`); the runtime's threads, where failing to start one
/// is fatal.
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    switch spawnThread(body) {
    case .success(let thread): return thread
    case .failure(let error): preconditionFailure("pthread_create failed: \(error)")
    }
}
