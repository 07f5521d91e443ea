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

    /// The highest-priority non-internal skcipher entry whose name or driver is `algorithm`.
    static func lookup(_ algorithm: String) -> KernelAlgorithmInfo? {
        guard let text = try? ProcCrypto.readAll() else { return nil }
        var best: KernelAlgorithmInfo?
        for block in text.split(separator: "\n\n", omittingEmptySubsequences: true) {
            var info = KernelAlgorithmInfo()
            for line in block.split(separator: "\n") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let key = line[..<colon].trimmingSpaces
                let value = line[line.index(after: colon)...].trimmingSpaces
                switch key {
                case "name": info.name = value
                case "driver": info.driver = value
                case "type": info.type = value
                case "priority": info.priority = Int(value) ?? 0
                case "blocksize": info.blockSize = Int(value) ?? 1
                case "ivsize": info.ivSize = Int(value) ?? 0
                case "min keysize": info.minKey = Int(value) ?? 0
                case "max keysize": info.maxKey = Int(value) ?? 0
                case "internal": info.isInternal = value == "yes"
                default: break
                }
            }
            guard info.type == "skcipher", !info.isInternal || info.driver == algorithm,
                  info.name == algorithm || info.driver == algorithm else { continue }
            if best == nil || info.priority > best!.priority || info.driver == algorithm { best = info }
        }
        return best
    }

    /// "cbc(aes)" → ("cbc", "aes"); "chacha20" → ("chacha20", "").
    static func split(_ name: String) -> (mode: String, inner: String) {
        guard let open = name.firstIndex(of: "("), name.hasSuffix(")") else { return (name, "") }
        return (String(name[..<open]), String(name[name.index(after: open)..<name.index(before: name.endIndex)]))
    }

    /// Valid key lengths within /proc/crypto's min…max: the cipher's sizes where known, else every length.
    static func keySizes(name: String, min: Int, max: Int) -> [Int] {
        let (mode, inner) = split(name)
        let base: [Int]
        switch mode == "rfc3686" || mode == "xts" || mode == "cts" ? split(inner).inner.isEmpty ? inner : split(inner).inner
            : inner.isEmpty ? mode : inner {
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

extension Substring {
    fileprivate var trimmingSpaces: String {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
