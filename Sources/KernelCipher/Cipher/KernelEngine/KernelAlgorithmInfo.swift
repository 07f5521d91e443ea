#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What /proc/crypto says about a bound skcipher: the driver the kernel picked and its sizes.
struct KernelAlgorithmInfo: Sendable {
    var name = "", driver = "", type = ""
    var priority = 0, blockSize = 1, ivSize = 0, minKey = 0, maxKey = 0
    var isInternal = false

    /// The kernel engine's rules for this entry (key sizes within min…max, block rule, round chaining), from
    /// the algorithm catalog.
    var rules: AlgorithmCatalog.KernelRules {
        AlgorithmCatalog.kernelRules(name: name, blockSize: blockSize, minKey: minKey, maxKey: maxKey)
    }
}

extension KernelAlgorithmInfo {
    /// The facts of a /proc/crypto entry (the one a bind selected, `ProcCrypto.boundEntry`); nil without a name.
    init?(_ entry: CryptoAlgorithmEntry) {
        guard let name = entry.name else { return nil }
        self.init(
            name: name, driver: entry.driver ?? name, type: entry.type ?? "", priority: entry.priority ?? 0,
            blockSize: entry.blockSize ?? 1, ivSize: entry.ivSize ?? 0, minKey: entry.minKeySize ?? 0,
            maxKey: entry.maxKeySize ?? 0, isInternal: entry.isInternal ?? false)
    }
}
