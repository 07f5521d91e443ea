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

    /// The highest-priority selectable skcipher entry whose name or driver is `algorithm` (read after `bind`,
    /// which instantiates the template and lists it in /proc/crypto).
    static func lookup(_ algorithm: String) -> KernelAlgorithmInfo? {
        guard let table = try? ProcCrypto.read() else { return nil }
        let matches = table.entries.filter {
            $0.socketType == .skcipher && ($0.name == algorithm || $0.driver == algorithm)
                && ($0.isSelectable || $0.driver == algorithm)
        }
        let best = matches.first { $0.driver == algorithm }
            ?? ProcCrypto.sortedByPriority(matches).first
        guard let best, let name = best.name else { return nil }
        return KernelAlgorithmInfo(
            name: name, driver: best.driver ?? name, type: best.type ?? "", priority: best.priority ?? 0,
            blockSize: best.blockSize ?? 1, ivSize: best.ivSize ?? 0, minKey: best.minKeySize ?? 0,
            maxKey: best.maxKeySize ?? 0, isInternal: best.isInternal ?? false)
    }

    /// The kernel engine's rules for this entry (key sizes within min…max, block rule, round chaining), from
    /// the algorithm catalog.
    var rules: AlgorithmCatalog.KernelRules {
        AlgorithmCatalog.kernelRules(name: name, blockSize: blockSize, minKey: minKey, maxKey: maxKey)
    }
}
