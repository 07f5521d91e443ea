import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto has NAME`: whether this process can use NAME through AF_ALG (exit 0), cannot (1), or the kernel has
    /// it but its AF_ALG policy refuses it to this process (3).
    struct Has: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exit 0 if this process can use NAME through AF_ALG, 1 if not, 3 if AF_ALG policy refuses it.",
            discussion: """
                Binds NAME (socket(AF_ALG) + bind(), which autoloads modules and instantiates templates such as \
                'rfc3686(ctr(aes))') as the AF_ALG type /proc/crypto lists it under, or --type, or else every type: \
                the answer is for this process, under this kernel's AF_ALG policy (af_alg_restrict, Linux 7.3+) and \
                privilege. Where AF_ALG sockets cannot be created at all (not built, not loaded, seccomp), the answer \
                falls back to the /proc/crypto listing. Names of types AF_ALG cannot bind (cipher, akcipher, …) \
                answer from the listing.
                Exit codes: 0 usable through AF_ALG here (or listed, where AF_ALG cannot be probed or the type is not \
                an AF_ALG type); 1 not provided (not listed and not bindable, or listed but not bindable); 2 the \
                /proc/crypto file cannot be read; 3 refused by AF_ALG policy (af_alg_restrict): the kernel has it, \
                this process may not bind it (stderr names the level, the privilege and the way out).
                """
        )

        @Argument(help: "Algorithm name (e.g. 'cbc(aes)') or driver name.")
        var name: String

        @Option(name: [.short, .long], help: "Required type: skcipher, aead, hash, rng, or a raw /proc/crypto type.")
        var type: TypeFilter?

        @OptionGroup var proc: ProcFileOption
        @OptionGroup var output: FormatOption

        /// Exit status for a policy refusal.
        static let refusedExitCode: Int32 = 3

        func run() async throws {
            let answer = Self.check(name: name, type: type, proc: try proc.load(), procPath: proc.shown)
            switch output.format {
            case .json: try Console.printJSON(answer)
            case .text: if answer.available { try Console.print(answer.message) }
            }
            if !answer.available {
                Console.error(answer.message)
                throw ExitCode(answer.refusedByPolicy == nil ? 1 : Self.refusedExitCode)
            }
        }

        /// The decision, reusable by tests: the listing, then a bind probe for this process (`AFALGPolicy.usability`).
        static func check(name: String, type: TypeFilter?, proc: ProcCrypto, procPath: String,
                          availability: AFALGAvailability = .current, policy: AFALGPolicy = .current,
                          probe: (AFALGSocketType, String) -> AFALGUsability = { AFALGPolicy.usability(of: $1, type: $0) })
            -> HasJSON {
            let shown = Text.name(name)
            var answer = HasJSON(name: name, type: type?.raw, available: false, tried: [], message: "")
            let listed = proc.entries(named: name).filter { type?.matches($0) ?? true }
            answer.tried.append("\(procPath): \(listed.count) matching entr\(listed.count == 1 ? "y" : "ies")")
            let selectable = listed.first(where: \.isSelectable)
            let listing: String
            if let entry = selectable {
                answer.driver = entry.driver
                answer.socketType = entry.socketType
                listing = "listed in \(procPath): driver \(entry.driver ?? "?") "
                    + "(type \(entry.type ?? "?"), priority \(entry.priority.map(String.init) ?? "?")"
                guard entry.socketType != nil else {  // e.g. `cipher`: the kernel has it, AF_ALG cannot bind it
                    answer.available = true
                    answer.source = "proc-crypto"
                    answer.message = "\(shown): \(listing), not an AF_ALG type)"
                    return answer
                }
            } else if !listed.isEmpty {
                listing = "listed in \(procPath) only as internal, larval or selftest-failed entries"
            } else if let type, !proc.entries(named: name).isEmpty {
                let types = Set(proc.entries(named: name).compactMap(\.type)).sorted().joined(separator: ", ")
                listing = "listed in \(procPath) only as type \(types), not \(type.raw)"
            } else {
                listing = "not listed in \(procPath)"
            }

            let socketTypes: [AFALGSocketType]
            if let socketType = selectable?.socketType {
                socketTypes = [socketType]
            } else if let type {
                guard let socketType = type.socketType else {
                    answer.message = "\(shown): \(listing) as type \(type.raw); type \(type.raw) is not bindable through AF_ALG, so bind was not tried"
                    return answer
                }
                socketTypes = [socketType]
            } else {
                socketTypes = AFALGSocketType.allCases
            }
            let closing = selectable == nil ? "" : ")"
            // AF_ALG cannot be created here: the listing answers, unless the policy (level 2) is why.
            if !availability.isAvailable, policy.restrictLevel != 2 {
                answer.tried.append("AF_ALG bind not tried: \(availability)")
                answer.available = selectable != nil
                answer.source = selectable != nil ? "proc-crypto" : nil
                answer.message = "\(shown): \(listing)\(closing); AF_ALG bind not tried: \(availability)"
                return answer
            }
            var failures: [String] = []
            for socketType in socketTypes {
                let usability = probe(socketType, name)
                answer.tried.append("AF_ALG bind(\(socketType)): \(usability.label)")
                switch usability {
                case .usable:
                    answer.available = true
                    answer.source = "af-alg-bind"
                    answer.socketType = socketType
                    answer.message = "\(shown): usable through AF_ALG here: bind(\(socketType), \"\(shown)\") succeeded "
                        + "(\(listing)\(closing))"
                    return answer
                case .refusedByPolicy(let refusal):
                    answer.socketType = socketType
                    answer.refusedByPolicy = refusal.description
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
    }
}

/// JSON shape of `kcrypto has`.
struct HasJSON: Codable {
    var name: String
    var type: String?
    /// Exit 0: usable through AF_ALG here (or listed where AF_ALG cannot answer).
    var available: Bool
    /// `proc-crypto` or `af-alg-bind` when available.
    var source: String?
    var driver: String?
    var socketType: AFALGSocketType?
    /// The policy refusal (exit 3), naming the af_alg_restrict level, the privilege and the way out.
    var refusedByPolicy: String?
    /// What was looked at, in order.
    var tried: [String]
    var message: String
}
