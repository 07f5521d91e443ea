/// A kernel crypto algorithm name parsed into its template tree: `cbc(aes)` is the template `cbc` applied to
/// `aes`; `rfc7539(chacha20,poly1305)` and `authenc(hmac(sha256),cbc(aes))` take two arguments.
///
/// The grammar is the kernel's (`cryptomgr_schedule_probe` in crypto/algboss.c): a name is one or more of
/// `[A-Za-z0-9_-]`, optionally followed by `(` name (`,` name)* `)`, at most `CRYPTO_MAX_ALG_NAME - 1` (127) bytes.
/// No whitespace is allowed anywhere, as in the kernel, which refuses such names in `bind(2)`. Driver names such
/// as `cbc-aes-aesni` parse as a name without arguments.
public struct AlgorithmName: Sendable, Hashable, CustomStringConvertible {
    /// The template or cipher name: `cbc` in `cbc(aes)`, `aes` in `aes`.
    public let base: String
    /// The template's arguments, in order; empty for a plain cipher or driver name.
    public let arguments: [AlgorithmName]

    /// The longest name the kernel accepts (`CRYPTO_MAX_ALG_NAME` is 128 bytes including the NUL).
    public static let maximumLength = 127

    /// Builds a name from its parts (no validation of `base`; use `init(parsing:)` for text).
    public init(base: String, arguments: [AlgorithmName] = []) {
        self.base = base
        self.arguments = arguments
    }

    /// Parses `text`; throws a typed error naming the first problem. Never traps, whatever the input.
    public init(parsing text: String) throws(AlgorithmNameError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.count <= Self.maximumLength else { throw .tooLong(bytes.count, limit: Self.maximumLength) }
        var parser = Parser(bytes: bytes)
        let name = try parser.name()
        guard parser.position == bytes.count else { throw .unexpected(offset: parser.position) }
        self = name
    }

    /// Parses `text`, or nil when it is not a well-formed kernel algorithm name.
    public init?(_ text: String) {
        guard let name = try? AlgorithmName(parsing: text) else { return nil }
        self = name
    }

    /// The name as the kernel spells it: `authenc(hmac(sha256),cbc(aes))`.
    public var description: String {
        arguments.isEmpty ? base : "\(base)(\(arguments.map(\.description).joined(separator: ",")))"
    }

    /// The innermost cipher through single-argument templates: `aes` for `rfc3686(ctr(aes))`, the name itself for
    /// `chacha20`; nil when a template on the way takes several arguments (`adiantum(xchacha12,aes)`).
    public var innermostCipher: String? {
        switch arguments.count {
        case 0: base
        case 1: arguments[0].innermostCipher
        default: nil
        }
    }

    /// A recursive-descent parser over UTF-8 bytes; depth is bounded by the 127-byte length limit.
    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        mutating func name() throws(AlgorithmNameError) -> AlgorithmName {
            let start = position
            while position < bytes.count, Self.isNameByte(bytes[position]) { position += 1 }
            guard position > start else {
                throw position == bytes.count ? .unexpectedEnd : .unexpected(offset: position)
            }
            let base = String(decoding: bytes[start..<position], as: UTF8.self)
            guard position < bytes.count, bytes[position] == UInt8(ascii: "(") else { return AlgorithmName(base: base) }
            position += 1
            var arguments = [try name()]
            while position < bytes.count, bytes[position] == UInt8(ascii: ",") {
                position += 1
                arguments.append(try name())
            }
            guard position < bytes.count else { throw .unexpectedEnd }
            guard bytes[position] == UInt8(ascii: ")") else { throw .unexpected(offset: position) }
            position += 1
            return AlgorithmName(base: base, arguments: arguments)
        }

        /// `isalnum(c) || c == '-' || c == '_'`, as the kernel's template-name scan.
        static func isNameByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
    }
}

/// Why a string is not a kernel algorithm name.
public enum AlgorithmNameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name is empty.
    case empty
    /// Longer than the kernel's limit.
    case tooLong(Int, limit: Int)
    /// A byte that cannot appear here (whitespace, a stray parenthesis or comma, a non-ASCII byte), at this
    /// UTF-8 offset.
    case unexpected(offset: Int)
    /// The name ends inside a template's argument list, or where a name was expected.
    case unexpectedEnd

    /// One line naming the problem.
    public var description: String {
        switch self {
        case .empty: "empty algorithm name"
        case .tooLong(let length, let limit): "algorithm name of \(length) bytes (the kernel allows \(limit))"
        case .unexpected(let offset): "unexpected character at byte \(offset) of the algorithm name"
        case .unexpectedEnd: "algorithm name ends early (unbalanced parentheses or a missing name)"
        }
    }
}
