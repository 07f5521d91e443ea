import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto list`: algorithms grouped by name with their drivers.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List algorithms from /proc/crypto, grouped by name, drivers by priority.",
            discussion: "`*` marks the driver the kernel picks for that name and type (highest priority, not internal, selftest not failed). HERE says whether AF_ALG serves the name to this process (a bind probe under this kernel's af_alg_restrict policy and this process's privilege): yes, refused by policy, not bindable, not an AF_ALG type (`-`), or unavailable where AF_ALG sockets cannot be created. Algorithms in modules not yet loaded, and templates not yet instantiated, are not listed: see `kcrypto has`."
        )

        @Option(name: [.short, .long], help: "Only this type: skcipher, aead, hash, rng (AF_ALG socket types) or a raw /proc/crypto type (cipher, shash, kpp, …).")
        var type: TypeFilter?

        @Flag(help: "Include `internal: yes` helper algorithms.")
        var all = false

        @OptionGroup var proc: ProcFileOption
        @OptionGroup var output: FormatOption

        func run() async throws {
            let groups = Self.filteredGroups(try proc.load(), type: type, all: all)
            let here = Self.afALGHere(groups)
            switch output.format {
            case .json:
                try Console.printJSON(ListJSON(source: proc.shown, policy: AFALGPolicy.current.description,
                                               algorithms: groups.map { group in
                    ListGroupJSON(name: group.name, afALGHere: here[group.name] ?? [:], drivers: group.drivers.map {
                        EntryJSON($0, selected: group.isSelected($0), includeFields: false)
                    })
                }))
            case .text:
                try Console.print(Self.render(groups, here: here))
            }
        }

        /// Per name and AF_ALG type, whether AF_ALG serves it to this process (`AFALGPolicy.usability`, one bind
        /// each); "unavailable (…)" for every name when AF_ALG sockets cannot be created and no policy says why.
        static func afALGHere(_ groups: [CryptoAlgorithmGroup], availability: AFALGAvailability = .current,
                              policy: AFALGPolicy = .current,
                              probe: (String, AFALGSocketType) -> AFALGUsability = AFALGPolicy.usability)
            -> [String: [String: String]] {
            var result: [String: [String: String]] = [:]
            for group in groups {
                for type in Set(group.drivers.compactMap(\.socketType)) {
                    let label: String
                    if case .unavailable(let errno) = availability, policy.restrictLevel != 2 {
                        label = AFALGUsability.unavailable(errno).label
                    } else {
                        label = probe(group.name, type).label
                    }
                    result[group.name, default: [:]][type.rawValue] = label
                }
            }
            return result
        }

        static func filteredGroups(_ proc: ProcCrypto, type: TypeFilter?, all: Bool) -> [CryptoAlgorithmGroup] {
            proc.groups.compactMap { group in
                var g = group
                g.drivers = group.drivers.filter { (all || $0.isInternal != true) && (type?.matches($0) ?? true) }
                return g.drivers.isEmpty ? nil : g
            }
        }

        static func render(_ groups: [CryptoAlgorithmGroup], here: [String: [String: String]] = [:]) -> String {
            var rows = [["NAME", "", "DRIVER", "TYPE", "AF_ALG", "HERE", "PRIO", "SELFTEST", "MODULE"]]
            for group in groups {
                var shown = Set<AFALGSocketType>()
                for (i, entry) in group.drivers.enumerated() {
                    // HERE once per name and AF_ALG type (the bind is by name); "-" for types AF_ALG cannot bind.
                    let answer: String
                    if let type = entry.socketType {
                        answer = shown.insert(type).inserted ? here[group.name]?[type.rawValue] ?? "?" : ""
                    } else {
                        answer = "-"
                    }
                    rows.append([
                        i == 0 ? group.name : "",
                        group.isSelected(entry) ? "*" : "",
                        entry.driver ?? "?",
                        entry.type ?? "?",
                        entry.socketType?.rawValue ?? "-",
                        answer,
                        entry.priority.map(String.init) ?? entry["priority"] ?? "?",
                        entry.selftest ?? "?",
                        entry.module ?? "?",
                    ] + (entry.isInternal == true ? ["(internal)"] : []))
                }
            }
            let drivers = groups.reduce(0) { $0 + $1.drivers.count }
            return Console.table(rows)
                + "\n\n\(groups.count) names, \(drivers) drivers. * = selected by the kernel for that name and type."
        }
    }
}

struct ListJSON: Codable {
    var source: String
    /// This process's AF_ALG policy, e.g. "af_alg_restrict=1 (allowlist), process unprivileged".
    var policy: String
    var algorithms: [ListGroupJSON]
}

/// One name in `kcrypto list --format json`.
struct ListGroupJSON: Codable {
    var name: String
    /// Per AF_ALG type: "yes", "refused by policy", "not bindable", "unavailable (ERRNO)"; empty for names of types
    /// AF_ALG cannot bind.
    var afALGHere: [String: String]
    var drivers: [EntryJSON]
}
