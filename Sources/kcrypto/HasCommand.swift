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
            let answer = HasJSON(AlgorithmPresence.check(name, type: type?.raw, procCrypto: try proc.load(),
                                                         procPath: proc.shown))
            switch output.format {
            case .json: try Console.printJSON(answer)
            case .text: if answer.available { try Console.print(answer.message) }
            }
            if !answer.available {
                Console.error(answer.message)
                throw ExitCode(answer.refusedByPolicy == nil ? 1 : Self.refusedExitCode)
            }
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

extension HasJSON {
    /// The library's answer in this shape.
    init(_ presence: AlgorithmPresence) {
        self.init(name: presence.name, type: presence.type, available: presence.isAvailable,
                  source: presence.source?.rawValue, driver: presence.driver, socketType: presence.socketType,
                  refusedByPolicy: presence.refusal?.description, tried: presence.tried, message: presence.message)
    }
}
