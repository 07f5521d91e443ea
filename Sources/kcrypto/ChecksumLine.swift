/// The checksum-list line format of coreutils 9.1 (`sha256sum`, `sha1sum`, `md5sum`, …), over bytes: file names
/// are bytes, so nothing here decodes text.
///
/// Writing: `HEX  NAME` (`HEX *NAME` with `-b`), or `TAG (NAME) = HEX` with `--tag`. A name holding `\`, LF or
/// CR is written with those three escaped (`\\`, `\n`, `\r`) and the whole line gets a leading `\`; every other
/// byte is written as it is. With `-z` lines end in NUL and nothing is escaped.
enum ChecksumLine {
    static let backslash = UInt8(ascii: "\\"), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), star = UInt8(ascii: "*")

    /// How a digest line is written (`--tag`, `-b`, `-z`).
    struct Style: Sendable {
        /// The BSD tag (`SHA256`) for `TAG (NAME) = HEX` lines; nil: `HEX  NAME`.
        var tag: [UInt8]?
        /// `-b`: `HEX *NAME` instead of `HEX  NAME`.
        var binary = false
        /// `-z`: lines end in NUL and names are not escaped.
        var zero = false
    }

    /// Whether coreutils escapes `name` in a digest line: it holds `\`, LF or CR.
    static func needsEscape(_ name: some Collection<UInt8>) -> Bool {
        name.contains { $0 == backslash || $0 == newline || $0 == carriageReturn }
    }

    /// `name` with `\` → `\\`, LF → `\n` and CR → `\r`; every other byte unchanged.
    static func escaped(_ name: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(name.count + 8)
        for byte in name {
            switch byte {
            case backslash: out += [backslash, backslash]
            case newline: out += [backslash, UInt8(ascii: "n")]
            case carriageReturn: out += [backslash, UInt8(ascii: "r")]
            default: out.append(byte)
            }
        }
        return out
    }

    /// Lower-case hex of `bytes`.
    static func hex(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return out
    }

    /// One digest line as `sha256sum` writes it for `name`, line end included.
    static func format(digest: [UInt8], name: [UInt8], style: Style) -> [UInt8] {
        let escape = !style.zero && needsEscape(name)
        let shownName = escape ? escaped(name) : name
        var line: [UInt8] = escape ? [backslash] : []
        if let tag = style.tag {
            line += tag + Array(" (".utf8) + shownName + Array(") = ".utf8) + hex(digest)
        } else {
            line += hex(digest) + [space, style.binary ? star : space] + shownName
        }
        line.append(style.zero ? 0 : newline)
        return line
    }

    /// The name as a `--check` result line shows it (`NAME: OK`): coreutils 9.1 escapes it, with a leading `\`,
    /// only when it holds a LF; a CR or `\` alone is written as it is.
    static func resultName(_ name: [UInt8]) -> [UInt8] {
        name.contains(newline) ? [backslash] + escaped(name) : name
    }

    /// The part of one list line (its LF already removed) that `sha256sum -c` parses: nil for a comment (`#` in
    /// the first column) or an empty line; one trailing CR removed.
    static func content(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        if line.first == UInt8(ascii: "#") { return nil }
        let content = line.last == carriageReturn ? line.dropLast() : line
        return content.isEmpty ? nil : content
    }

    /// coreutils' unescaping of an escaped name: `\\`, `\n`, `\r` decoded; any other byte after `\`, a `\` at
    /// the end, or a NUL makes the line improperly formatted (nil).
    static func unescaped(_ name: ArraySlice<UInt8>) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(name.count)
        var index = name.startIndex
        while index < name.endIndex {
            let byte = name[index]
            if byte == 0 { return nil }
            if byte == backslash {
                index += 1
                guard index < name.endIndex else { return nil }
                switch name[index] {
                case UInt8(ascii: "n"): out.append(newline)
                case UInt8(ascii: "r"): out.append(carriageReturn)
                case backslash: out.append(backslash)
                default: return nil
                }
            } else {
                out.append(byte)
            }
            index += 1
        }
        return out
    }

    /// Whether `byte` is an ASCII hex digit (either case).
    static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"): true
        default: false
        }
    }

    /// The BSD tag coreutils uses for a kernel hash name: `SHA256` for sha256, `MD5`, `SHA3-256`, `BLAKE2b` for
    /// blake2b-512 (`BLAKE2b-256` for the shorter ones, as `b2sum -l 256` writes), else the name upper-cased.
    static func tag(for algorithm: String) -> [UInt8] {
        if algorithm == "blake2b-512" { return Array("BLAKE2b".utf8) }
        if algorithm.hasPrefix("blake2b-") { return Array("BLAKE2b".utf8) + Array(algorithm.utf8.dropFirst(7)) }
        return algorithm.utf8.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
    }
}

/// One properly formatted line of a checksum list: the expected digest (hex as written) and the file name.
struct ChecksumEntry: Equatable, Sendable {
    /// The hex digits as written (either case).
    var hex: [UInt8]
    /// The file name, unescaped.
    var name: [UInt8]
}

/// Parses checksum-list lines the way coreutils 9.1's `sha256sum -c` does, over bytes. Stateful like coreutils:
/// the first untagged line decides whether the list uses the two-character separator (`HEX  NAME`,
/// `HEX *NAME`) or the single-blank one (`HEX NAME`), and lines of the other kind are then improperly
/// formatted (or, after a single-blank first line, read with the blank as part of the name).
struct ChecksumParser {
    /// The BSD tag accepted in `TAG (NAME) = HEX` lines.
    let tag: [UInt8]
    /// The number of hex digits of the digest (64 for sha256).
    let hexDigits: Int
    /// nil until the first untagged line is parsed; then whether it used the single-blank form.
    private(set) var singleBlank: Bool?

    init(tag: [UInt8], digestSize: Int) {
        self.tag = tag
        hexDigits = 2 * digestSize
    }

    /// The entry on `line` (a `content(_:)` slice: no line end), or nil when the line is improperly formatted.
    mutating func parse(_ line: ArraySlice<UInt8>) -> ChecksumEntry? {
        var i = line.startIndex
        while i < line.endIndex, isBlank(line[i]) { i += 1 }
        let escaped = i < line.endIndex && line[i] == ChecksumLine.backslash
        if escaped { i += 1 }
        if line[i...].starts(with: tag) { return parseTagged(line[(i + tag.count)...], escaped: escaped) }
        // coreutils' minimum: the digest, one blank and one name byte (one more if the next byte is a `\`).
        let minimum = hexDigits + 2 + (i < line.endIndex && line[i] == ChecksumLine.backslash ? 1 : 0)
        guard line.endIndex - i >= minimum else { return nil }
        let hex = line[i..<(i + hexDigits)]
        i += hexDigits
        guard isBlank(line[i]) else { return nil }
        i += 1
        guard hex.allSatisfy(ChecksumLine.isHexDigit) else { return nil }
        if line.endIndex - i == 1 || (line[i] != ChecksumLine.space && line[i] != ChecksumLine.star) {
            if singleBlank == false { return nil }
            singleBlank = true
        } else if singleBlank != true {
            singleBlank = false
            i += 1
        }
        let name = line[i...]
        if escaped {
            guard let unescaped = ChecksumLine.unescaped(name) else { return nil }
            return ChecksumEntry(hex: Array(hex), name: unescaped)
        }
        return ChecksumEntry(hex: Array(hex), name: Self.cString(name))
    }

    /// `TAG (NAME) = HEX` after the tag: one optional space, `(`, the name up to the last `)`, blanks, `=`,
    /// blanks, exactly the digest's hex digits (a NUL may end them, as it ends a C string).
    private func parseTagged(_ rest: ArraySlice<UInt8>, escaped: Bool) -> ChecksumEntry? {
        var i = rest.startIndex
        if i < rest.endIndex, rest[i] == ChecksumLine.space { i += 1 }
        guard i < rest.endIndex, rest[i] == UInt8(ascii: "(") else { return nil }
        let body = rest[(i + 1)...]
        guard let close = body.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let rawName = body[..<close]
        var j = close + 1
        while j < body.endIndex, isBlank(body[j]) { j += 1 }
        guard j < body.endIndex, body[j] == UInt8(ascii: "=") else { return nil }
        j += 1
        while j < body.endIndex, isBlank(body[j]) { j += 1 }
        let digits = Self.cString(body[j...])
        guard digits.count == hexDigits, digits.allSatisfy(ChecksumLine.isHexDigit) else { return nil }
        if escaped {
            guard let name = ChecksumLine.unescaped(rawName) else { return nil }
            return ChecksumEntry(hex: digits, name: name)
        }
        return ChecksumEntry(hex: digits, name: Self.cString(rawName))
    }

    private func isBlank(_ byte: UInt8) -> Bool { byte == ChecksumLine.space || byte == ChecksumLine.tab }

    /// The bytes before the first NUL: coreutils handles the parts of a line as C strings.
    private static func cString(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        Array(bytes.prefix { $0 != 0 })
    }
}
