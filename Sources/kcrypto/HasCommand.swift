import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto has NAME`: exit 0 when the kernel provides NAME, 1 when not.
    struct Has: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exit 0 if the kernel provides NAME, 1 if not (reason on stderr).",
            discussion: "Looks in /proc/crypto first. If it does not list a usable driver, tries socket(AF_ALG) + bind(), which autoloads modules and instantiates templates such as 'rfc3686(ctr(aes))', for --type or else every AF_ALG type. Exit 2 when the /proc/crypto file cannot be read."
        )

        @Argument(help: "Algorithm name (e.g. 'cbc(aes)') or driver name.")
        var name: String

        @Option(name: [.short, .long], help: "Required type: skcipher, aead, hash, rng, or a raw /proc/crypto type.")
        var type: TypeFilter?

        @OptionGroup var proc: ProcFileOption
        @OptionGroup var output: FormatOption

        func run() async throws {
            let answer = Self.check(name: name, type: type, proc: try proc.load(), procPath: proc.path)
            switch output.format {
            case .json: try Console.printJSON(answer)
            case .text: if answer.available { try Console.print(answer.message) }
            }
            if !answer.available {
                Console.error(answer.message)
                throw ExitCode(1)
            }
        }

        /// The decision, reusable by tests: `/proc/crypto` first, then AF_ALG bind.
        static func check(name: String, type: TypeFilter?, proc: ProcCrypto, procPath: String,
                          availability: AFALGAvailability = .current,
                          bind: (AFALGSocketType, String) -> Result<Void, Errno> = AFALGBinding.check) -> HasJSON {
            let shown = Text.name(name)
            var answer = HasJSON(name: name, type: type?.raw, available: false, tried: [], message: "")
            let listed = proc.entries(named: name).filter { type?.matches($0) ?? true }
            answer.tried.append("\(procPath): \(listed.count) matching entr\(listed.count == 1 ? "y" : "ies")")
            if let entry = listed.first(where: \.isSelectable) {
                answer.available = true
                answer.source = "proc-crypto"
                answer.driver = entry.driver
                answer.socketType = entry.socketType
                let bindable = entry.socketType.map { "AF_ALG type \($0)" } ?? "not bindable through AF_ALG"
                answer.message = "\(shown): listed in \(procPath): driver \(entry.driver ?? "?") "
                    + "(type \(entry.type ?? "?"), priority \(entry.priority.map(String.init) ?? "?"), \(bindable))"
                return answer
            }
            let anyType = proc.entries(named: name)
            let notListed: String
            if !listed.isEmpty {
                notListed = "listed in \(procPath) only as internal, larval or selftest-failed entries"
            } else if let type, !anyType.isEmpty {
                let types = Set(anyType.compactMap(\.type)).sorted().joined(separator: ", ")
                notListed = "listed in \(procPath) only as type \(types), not \(type.raw)"
            } else {
                notListed = "not listed in \(procPath)"
            }

            let socketTypes: [AFALGSocketType]
            if let type {
                guard let socketType = type.socketType else {
                    answer.message = "\(shown): \(notListed) as type \(type.raw); type \(type.raw) is not bindable through AF_ALG, so bind was not tried"
                    return answer
                }
                socketTypes = [socketType]
            } else {
                socketTypes = AFALGSocketType.allCases
            }
            guard availability.isAvailable else {
                answer.tried.append("AF_ALG bind not tried: \(availability)")
                answer.message = "\(shown): \(notListed); AF_ALG bind not tried: \(availability)"
                return answer
            }
            var failures: [String] = []
            for socketType in socketTypes {
                switch bind(socketType, name) {
                case .success:
                    answer.tried.append("AF_ALG bind(\(socketType)): ok")
                    answer.available = true
                    answer.source = "af-alg-bind"
                    answer.socketType = socketType
                    answer.message = "\(shown): \(notListed), but AF_ALG bind(\(socketType), \"\(shown)\") succeeded "
                        + "(the kernel loaded or instantiated it)"
                    return answer
                case .failure(let errno):
                    answer.tried.append("AF_ALG bind(\(socketType)): \(errno.name)")
                    failures.append("bind(\(socketType)) \(errno.name)")
                }
            }
            answer.message = "\(shown): \(notListed); AF_ALG " + failures.joined(separator: ", ")
            return answer
        }
    }
}

/// JSON shape of `kcrypto has`.
struct HasJSON: Codable {
    var name: String
    var type: String?
    var available: Bool
    /// `proc-crypto` or `af-alg-bind` when available.
    var source: String?
    var driver: String?
    var socketType: AFALGSocketType?
    /// What was looked at, in order.
    var tried: [String]
    var message: String
}
