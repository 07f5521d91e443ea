import ArgumentParser
import Foundation
import KernelCipher

/// `--format text|json`.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json
}

/// `--format`, shared by every command that prints data.
struct FormatOption: ParsableArguments {
    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text
}

/// `--proc-file`, shared by the discovery commands.
struct ProcFileOption: ParsableArguments {
    @Option(name: .customLong("proc-file"), help: "Read this file instead of /proc/crypto (e.g. a saved snapshot).")
    var path: String = "/proc/crypto"

    /// Reads and parses the file; on failure prints one line to stderr and exits 2.
    func load() throws(ExitCode) -> ProcCrypto {
        let parsed: ProcCrypto
        do {
            parsed = try ProcCrypto.read(path: path)
        } catch {
            Console.error("cannot read \(path): \(error)")
            throw ExitCode(2)
        }
        if let first = parsed.warnings.first {
            Console.error("warning: \(parsed.warnings.count) malformed line(s) in \(path) ignored (first: \(first))")
        }
        return parsed
    }
}

/// `--type`: an AF_ALG socket type (`skcipher` also matches `lskcipher`, `hash` matches `shash`/`ahash`)
/// or any raw `/proc/crypto` type (`cipher`, `kpp`, …).
struct TypeFilter: ExpressibleByArgument, Sendable {
    let raw: String
    var socketType: AFALGSocketType? { AFALGSocketType(rawValue: raw) }

    init?(argument: String) {
        guard !argument.isEmpty else { return nil }
        raw = argument
    }

    func matches(_ entry: CryptoAlgorithmEntry) -> Bool {
        if let socketType { return entry.socketType == socketType }
        return entry.type == raw
    }
}

enum Console {
    /// Prints `kcrypto: message` on stderr.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("kcrypto: \(message)\n".utf8))
    }

    /// Prints `value` as pretty JSON with sorted keys on stdout.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// Renders rows as left-aligned columns separated by two spaces (last column not padded).
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// JSON shape of one `/proc/crypto` entry.
struct EntryJSON: Codable {
    var name: String?
    var driver: String?
    var module: String?
    var type: String?
    var socketType: AFALGSocketType?
    var priority: Int?
    var selftest: String?
    var `internal`: Bool?
    var selected: Bool
    /// Every field in file order (only in `show`).
    var fields: [CryptoAlgorithmEntry.Field]?

    init(_ entry: CryptoAlgorithmEntry, selected: Bool, includeFields: Bool) {
        name = entry.name
        driver = entry.driver
        module = entry.module
        type = entry.type
        socketType = entry.socketType
        priority = entry.priority
        selftest = entry.selftest
        `internal` = entry.isInternal
        self.selected = selected
        fields = includeFields ? entry.fields : nil
    }
}

/// JSON shape of one name and its drivers.
struct GroupJSON: Codable {
    var name: String
    var drivers: [EntryJSON]
}
