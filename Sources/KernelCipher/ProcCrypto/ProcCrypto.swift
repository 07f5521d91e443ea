/// The algorithms the running kernel has registered, parsed from `/proc/crypto` (crypto/proc.c `c_show`).
///
/// The parser never traps: malformed lines become `warnings`, CRLF is accepted, truncated blocks are kept,
/// duplicate and unknown keys are kept in order, and non-UTF-8 bytes are decoded lossily.
public struct ProcCrypto: Sendable, Hashable {
    /// A line the parser could not use, with its 1-based line number.
    public struct Warning: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Why a line was not used.
        public enum Reason: String, Sendable, Hashable, Codable {
            /// The line has no `:` separator.
            case missingSeparator
            /// The text before `:` is empty.
            case emptyKey
            /// The key already appeared in the same block (the field is still kept).
            case duplicateKey
            /// The block has no `name` field (the entry is still kept, but is not grouped by name).
            case missingName
        }

        /// 1-based line number in the parsed text.
        public var line: Int
        /// Why the line was not used as-is.
        public var reason: Reason
        /// The offending line (for `missingName`, the block's first line), at most 200 characters.
        public var text: String

        /// A one-line description, e.g. `line 7: missingSeparator: "garbage"`.
        public var description: String { "line \(line): \(reason.rawValue): \(String(reflecting: text))" }
    }

    /// Every block of the file, in file order (newest registration first, as the kernel lists them).
    public var entries: [CryptoAlgorithmEntry]
    /// Lines that were ignored or suspicious.
    public var warnings: [Warning]

    /// Wraps already-parsed entries.
    public init(entries: [CryptoAlgorithmEntry], warnings: [Warning] = []) {
        self.entries = entries
        self.warnings = warnings
    }

    /// Parses `/proc/crypto` text: blank-line separated blocks of `key : value` lines.
    public init(parsing text: String) {
        var entries: [CryptoAlgorithmEntry] = []
        var warnings: [Warning] = []
        var fields: [CryptoAlgorithmEntry.Field] = []
        var seenKeys: Set<String> = []
        var blockStart = 0
        var blockFirstLine = ""

        func finishBlock() {
            guard !fields.isEmpty else { return }
            let entry = CryptoAlgorithmEntry(fields: fields)
            if entry.name == nil {
                warnings.append(Warning(line: blockStart, reason: .missingName, text: Self.clip(blockFirstLine)))
            }
            entries.append(entry)
            fields = []
            seenKeys = []
        }

        var lineNumber = 0
        // Split on "\n" only; a trailing "\r" is trimmed below (Swift treats "\r\n" as one Character).
        for rawLine in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = Self.trimmed(String(String.UnicodeScalarView(rawLine)))
            if line.isEmpty {
                finishBlock()
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                warnings.append(Warning(line: lineNumber, reason: .missingSeparator, text: Self.clip(line)))
                continue
            }
            let key = Self.trimmed(String(line[..<colon]))
            let value = Self.trimmed(String(line[line.index(after: colon)...]))
            guard !key.isEmpty else {
                warnings.append(Warning(line: lineNumber, reason: .emptyKey, text: Self.clip(line)))
                continue
            }
            if fields.isEmpty {
                blockStart = lineNumber
                blockFirstLine = line
            }
            if !seenKeys.insert(key).inserted {
                warnings.append(Warning(line: lineNumber, reason: .duplicateKey, text: Self.clip(line)))
            }
            fields.append(.init(key: key, value: value))
        }
        finishBlock()
        self.entries = entries
        self.warnings = warnings
    }

    /// Parses raw `/proc/crypto` bytes, replacing invalid UTF-8 with U+FFFD.
    public init(parsing bytes: some Collection<UInt8>) {
        self.init(parsing: String(decoding: Array(bytes), as: UTF8.self))
    }

    private static func trimmed(_ s: String) -> String { s.trimmingWhitespace }

    private static func clip(_ s: String) -> String {
        s.unicodeScalars.count <= 200 ? s : String(String.UnicodeScalarView(s.unicodeScalars.prefix(200)))
    }
}
