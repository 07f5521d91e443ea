/// Whether this process can use an algorithm through AF_ALG, and how that was decided (`kcrypto has`): the
/// `/proc/crypto` listing first, then a real `socket` + `bind` for this process under the kernel's AF_ALG policy
/// (`af_alg_restrict`) and privilege. Where AF_ALG sockets cannot be created at all, the listing answers; names of
/// types AF_ALG cannot bind (`cipher`, `akcipher`, …) answer from the listing.
public struct AlgorithmPresence: Sendable, Hashable {
    /// Where a positive answer came from.
    public enum Source: String, Sendable, Hashable {
        /// Listed in `/proc/crypto` (AF_ALG could not be probed, or the type is not an AF_ALG type).
        case procCrypto = "proc-crypto"
        /// `bind` succeeded in this process.
        case afAlgBind = "af-alg-bind"
    }

    /// The name asked about (algorithm or driver name).
    public let name: String
    /// The required type, as given (`skcipher`, … or a raw `/proc/crypto` type), or nil for any.
    public let type: String?
    /// Usable here through AF_ALG (or listed, where AF_ALG cannot answer).
    public internal(set) var isAvailable = false
    /// Where a positive answer came from; nil when not available.
    public internal(set) var source: Source?
    /// The driver of the selectable `/proc/crypto` entry, when listed.
    public internal(set) var driver: String?
    /// The AF_ALG type listed, bound, or refused.
    public internal(set) var socketType: AFALGSocketType?
    /// The policy refusal: the kernel has the algorithm but `af_alg_restrict` refuses it to this process.
    public internal(set) var refusal: AFALGRefusal?
    /// What was looked at, in order (one line each).
    public internal(set) var tried: [String] = []
    /// One line with the answer and its reason, the name escaped for a terminal.
    public internal(set) var message = ""

    /// Decides for `name` (of `type` when given) from `procCrypto` (read from `procPath`, named in the lines) and,
    /// unless AF_ALG is unavailable for a reason other than the policy, `probe` (a real bind by default).
    public static func check(
        _ name: String, type: String? = nil, procCrypto: ProcCrypto, procPath: String,
        availability: AFALGAvailability = .current, policy: AFALGPolicy = .current,
        probe: (AFALGSocketType, String) -> AFALGUsability = { AFALGPolicy.usability(of: $1, type: $0) }
    ) -> AlgorithmPresence {
        let shown = KernelCipherError.displayName(name)
        let wanted = type.flatMap(AFALGSocketType.init(rawValue:))
        func matches(_ entry: CryptoAlgorithmEntry) -> Bool {
            guard let type else { return true }
            if let wanted { return entry.socketType == wanted }
            return entry.type == type
        }
        var answer = AlgorithmPresence(name: name, type: type)
        let named = procCrypto.entries(named: name)
        let listed = named.filter(matches)
        answer.tried.append("\(procPath): \(listed.count) matching entr\(listed.count == 1 ? "y" : "ies")")
        let selectable = listed.first(where: \.isSelectable)
        let listing: String
        if let entry = selectable {
            answer.driver = entry.driver
            answer.socketType = entry.socketType
            listing = "listed in \(procPath): driver \(entry.driver ?? "?") "
                + "(type \(entry.type ?? "?"), priority \(entry.priority.map(String.init) ?? "?")"
            guard entry.socketType != nil else {  // e.g. `cipher`: the kernel has it, AF_ALG cannot bind it
                answer.isAvailable = true
                answer.source = .procCrypto
                answer.message = "\(shown): \(listing), not an AF_ALG type)"
                return answer
            }
        } else if !listed.isEmpty {
            listing = "listed in \(procPath) only as internal, larval or selftest-failed entries"
        } else if let type, !named.isEmpty {
            let types = Set(named.compactMap(\.type)).sorted().joined(separator: ", ")
            listing = "listed in \(procPath) only as type \(types), not \(type)"
        } else {
            listing = "not listed in \(procPath)"
        }

        let socketTypes: [AFALGSocketType]
        if let socketType = selectable?.socketType {
            socketTypes = [socketType]
        } else if let type {
            guard let wanted else {
                answer.message = "\(shown): \(listing) as type \(type); type \(type) is not bindable through AF_ALG, "
                    + "so bind was not tried"
                return answer
            }
            socketTypes = [wanted]
        } else {
            socketTypes = AFALGSocketType.allCases
        }
        let closing = selectable == nil ? "" : ")"
        // AF_ALG cannot be created here: the listing answers, unless the policy (level 2) is why.
        if !availability.isAvailable, policy.restrictLevel != 2 {
            answer.tried.append("AF_ALG bind not tried: \(availability)")
            answer.isAvailable = selectable != nil
            answer.source = selectable != nil ? .procCrypto : nil
            answer.message = "\(shown): \(listing)\(closing); AF_ALG bind not tried: \(availability)"
            return answer
        }
        var failures: [String] = []
        for socketType in socketTypes {
            let usability = probe(socketType, name)
            answer.tried.append("AF_ALG bind(\(socketType)): \(usability.label)")
            switch usability {
            case .usable:
                answer.isAvailable = true
                answer.source = .afAlgBind
                answer.socketType = socketType
                answer.message = "\(shown): usable through AF_ALG here: bind(\(socketType), \"\(shown)\") succeeded "
                    + "(\(listing)\(closing))"
                return answer
            case .refusedByPolicy(let refusal):
                answer.socketType = socketType
                answer.refusal = refusal
                answer.message = "\(shown): \(listing)\(closing), but refused here: \(refusal)"
                return answer
            case .notFound:
                failures.append("bind(\(socketType)) ENOENT")
            case .unavailable(let errno):
                failures.append("bind(\(socketType)) \(errno.name)")
            }
        }
        answer.message = "\(shown): \(listing)\(closing); AF_ALG " + failures.joined(separator: ", ")
        return answer
    }

    /// An answer not yet decided.
    private init(name: String, type: String?) {
        self.name = name
        self.type = type
    }
}
