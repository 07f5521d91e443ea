#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Heap allocations counted by Benchmarks/AllocationCounter when it is preloaded (`LD_PRELOAD=allocation-counter.so
/// kcrypto speed …`): `kcrypto speed` then reports allocations per message next to the time. Without the shim the
/// counter is absent and nothing is reported.
enum SpeedAllocations {
    private typealias Counter = @convention(c) () -> UInt64

    /// The shim's `kcapi_allocation_count`, found with `dlsym(RTLD_DEFAULT, …)`; nil when it is not preloaded.
    private static let counter: Counter? = {
        // RTLD_DEFAULT is ((void *) 0) in glibc.
        guard let symbol = dlsym(nil, "kcapi_allocation_count") else { return nil }
        return unsafeBitCast(symbol, to: Counter.self)
    }()

    /// Allocations so far in the process, or nil without the shim.
    static func now() -> UInt64? { counter?() }
}
