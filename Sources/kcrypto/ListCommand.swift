import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto list`: algorithms grouped by name with their drivers.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List algorithms from /proc/crypto, grouped by name, drivers by priority.",
            discussion: "`*` marks the driver the kernel picks for that name and type (highest priority, not internal, selftest not failed). Algorithms in modules not yet loaded, and templates not yet instantiated, are not listed: see `kcrypto has`."
        )

        @Option(name: [.short, .long], help: "Only this type: skcipher, aead, hash, rng (AF_ALG socket types) or a raw /proc/crypto type (cipher, shash, kpp, …).")
        var type: TypeFilter?

        @Flag(help: "Include `internal: yes` helper algorithms.")
        var all = false

        @OptionGroup var proc: ProcFileOption
        @OptionGroup var output: FormatOption

        func run() async throws {
            let groups = Self.filteredGroups(try proc.load(), type: type, all: all)
            switch output.format {
            case .json:
                try Console.printJSON(ListJSON(source: proc.path, algorithms: groups.map { group in
                    GroupJSON(name: group.name, drivers: group.drivers.map {
                        EntryJSON($0, selected: group.isSelected($0), includeFields: false)
                    })
                }))
            case .text:
                try Console.print(Self.render(groups))
            }
        }

        static func filteredGroups(_ proc: ProcCrypto, type: TypeFilter?, all: Bool) -> [CryptoAlgorithmGroup] {
            proc.groups.compactMap { group in
                var g = group
                g.drivers = group.drivers.filter { (all || $0.isInternal != true) && (type?.matches($0) ?? true) }
                return g.drivers.isEmpty ? nil : g
            }
        }

        static func render(_ groups: [CryptoAlgorithmGroup]) -> String {
            var rows = [["NAME", "", "DRIVER", "TYPE", "AF_ALG", "PRIO", "SELFTEST", "MODULE"]]
            for group in groups {
                for (i, entry) in group.drivers.enumerated() {
                    rows.append([
                        i == 0 ? group.name : "",
                        group.isSelected(entry) ? "*" : "",
                        entry.driver ?? "?",
                        entry.type ?? "?",
                        entry.socketType?.rawValue ?? "-",
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
    var algorithms: [GroupJSON]
}
