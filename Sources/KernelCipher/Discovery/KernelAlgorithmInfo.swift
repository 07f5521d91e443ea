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

    /// "cbc(aes)" → ("cbc", "aes"); "chacha20" → ("chacha20", "").
    static func split(_ name: String) -> (mode: String, inner: String) {
        guard let open = name.firstIndex(of: "("), name.hasSuffix(")") else { return (name, "") }
        return (String(name[..<open]), String(name[name.index(after: open)..<name.index(before: name.endIndex)]))
    }

    /// The innermost cipher of a template name: "rfc3686(ctr(aes))" → "aes"; "chacha20" → "chacha20".
    static func cipher(of name: String) -> String {
        let (mode, inner) = split(name)
        return inner.isEmpty ? mode : cipher(of: inner)
    }

    /// Valid key lengths within /proc/crypto's min…max: the cipher's sizes where known, else every length.
    static func keySizes(name: String, min: Int, max: Int) -> [Int] {
        let mode = split(name).mode
        let base: [Int]
        switch cipher(of: name) {
        case "aes", "camellia", "aria": base = [16, 24, 32]
        case "sm4": base = [16]
        case "des3_ede": base = [24]
        case "chacha20", "xchacha20", "xchacha12": base = [32]
        default: return min <= max ? Array(min...max) : []
        }
        let sizes = mode == "xts" ? base.map { $0 * 2 } : mode == "rfc3686" ? base.map { $0 + 4 } : base
        let inRange = sizes.filter { $0 >= min && $0 <= max }
        return inRange.isEmpty && min <= max ? Array(min...max) : inRange
    }
}
