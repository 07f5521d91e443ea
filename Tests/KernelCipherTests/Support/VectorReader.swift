import Foundation
import KernelCipherTestSupport

/// One test case of a vendored vector file: its own `k = v` fields over the parameters in force where it stands,
/// and its bare marker lines (NIST GCM's `FAIL`).
struct VectorRecord: Sendable {
    /// The file's name, for messages and for the vector structs.
    let file: String
    /// The 1-based line the case starts on.
    let line: Int
    /// Field names upper-cased; the case's own values over the parameters in force.
    let fields: [String: String]
    /// Lines in the case that are neither `k = v` nor comments (e.g. `FAIL`).
    let markers: Set<String>

    /// The value of the first of `names` present (names upper-case), or nil.
    subscript(_ names: String...) -> String? { names.lazy.compactMap { fields[$0] }.first }

    /// The bytes of the first of `names` present: hex, or a quoted string's UTF-8 (BoringSSL's layout); `fallback`
    /// when none is present. Traps, naming file and line, when none is present and there is no fallback (a bug in a
    /// vendored file, not an input under test).
    func bytes(_ names: String..., or fallback: [UInt8]? = nil) -> [UInt8] {
        guard let value = names.lazy.compactMap({ fields[$0] }).first else {
            guard let fallback else { preconditionFailure("\(file):\(line): no \(names.joined(separator: "/"))") }
            return fallback
        }
        if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 { return Array(value.dropFirst().dropLast().utf8) }
        return Hex.decode(value)
    }

    /// The decimal value of `name`; traps, naming file and line, when it is missing or not a number.
    func int(_ name: String) -> Int {
        guard let value = fields[name].flatMap({ Int($0) }) else { preconditionFailure("\(file):\(line): no decimal \(name)") }
        return value
    }
}

/// The one reader for the vendored NIST CAVP `.rsp` files and the files laid out like them (RFC and OpenSSL /
/// BoringSSL vectors reformatted into `k = v` blocks).
///
/// The layout: `#` starts a comment line; a blank line ends a block; `[k = v, …]` section headers and blocks
/// without `COUNT` or `Len` set parameters that stay in force, for the cases after them, until set again (NIST's
/// `[Taglen = 128]`, CCM's `Plen = 24` and `Key = …` before its counts); every block with `COUNT` or `Len` is one
/// case. A field line is split at its first `=` (`K = v`, `K= v`, `K =` all read); other lines are markers.
/// Names are upper-cased; lines end at LF or CRLF.
enum VectorReader {
    /// Fields that make a block a case rather than parameters.
    static let caseFields: Set<String> = ["COUNT", "LEN"]

    /// The cases in `Resources/Vectors/<directory>/<file>`; traps when the file is missing or holds no case.
    static func read(_ file: String, in directory: String? = nil) -> [VectorRecord] {
        let subdirectory = ["Resources/Vectors", directory].compactMap { $0 }.joined(separator: "/")
        guard let url = Bundle.module.url(forResource: file, withExtension: nil, subdirectory: subdirectory),
              let data = FileManager.default.contents(atPath: url.path)
        else { preconditionFailure("vector file \(subdirectory)/\(file) missing from the test bundle") }
        let records = parse(String(decoding: data, as: UTF8.self), file: file)
        precondition(!records.isEmpty, "no vectors in \(file)")
        return records
    }

    /// The cases in `text` (the contents of `file`).
    static func parse(_ text: String, file: String) -> [VectorRecord] {
        var records: [VectorRecord] = []
        var parameters: [String: String] = [:]
        var block: [String: String] = [:], markers: Set<String> = [], start = 0

        func endBlock() {
            defer { block = [:]; markers = [] }
            if block.keys.contains(where: caseFields.contains) {
                records.append(VectorRecord(file: file, line: start, fields: parameters.merging(block) { $1 }, markers: markers))
            } else {
                precondition(markers.isEmpty, "\(file):\(start): marker \(markers.sorted()) outside a case")
                parameters.merge(block) { $1 }
            }
        }

        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.hasPrefix("#") { continue }
            if line.isEmpty { endBlock(); continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                endBlock()
                for part in line.dropFirst().dropLast().split(separator: ",") {
                    if let (name, value) = field(part) { parameters[name] = value }
                }
                continue
            }
            if block.isEmpty && markers.isEmpty { start = index + 1 }
            if let (name, value) = field(line) { block[name] = value } else { markers.insert(line) }
        }
        endBlock()
        return records
    }

    /// `Name = value`, `NAME= value`, `NAME =` → (NAME, value); nil without an `=`.
    private static func field(_ text: some StringProtocol) -> (String, String)? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        return (text[..<eq].trimmingCharacters(in: .whitespaces).uppercased(),
                text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces))
    }
}
