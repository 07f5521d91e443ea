import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto show NAME`: every driver of one name with all fields.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every driver registered under NAME (or the driver named NAME) with all its fields."
        )

        @Argument(help: "Algorithm name (e.g. 'cbc(aes)') or driver name.")
        var name: String

        @OptionGroup var proc: ProcFileOption
        @OptionGroup var output: FormatOption

        func run() async throws {
            guard let group = try proc.load().group(named: name) else {
                Console.error("'\(Text.name(name))' is not listed in \(proc.shown) (try `kcrypto has`, which can autoload it)")
                throw ExitCode(1)
            }
            switch output.format {
            case .json:
                try Console.printJSON(GroupJSON(name: group.name, drivers: group.drivers.map {
                    EntryJSON($0, selected: group.isSelected($0), includeFields: true)
                }))
            case .text:
                try Console.print(Self.render(group))
            }
        }

        static func render(_ group: CryptoAlgorithmGroup) -> String {
            var blocks: [String] = []
            for entry in group.drivers {
                var header = "# \(entry.driver ?? "?")"
                if group.isSelected(entry) { header += "  [selected for \(entry.selectionClass)]" }
                if let socket = entry.socketType {
                    header += "  [AF_ALG: \(socket)]"
                } else {
                    header += "  [not bindable through AF_ALG]"
                }
                let width = entry.fields.map(\.key.count).max() ?? 0
                let lines = entry.fields.map { $0.key.padding(toLength: width, withPad: " ", startingAt: 0) + " : " + $0.value }
                blocks.append(([header] + lines).joined(separator: "\n"))
            }
            let count = group.drivers.count
            return "\(group.name): \(count) driver\(count == 1 ? "" : "s")\n\n" + blocks.joined(separator: "\n\n")
        }
    }
}
