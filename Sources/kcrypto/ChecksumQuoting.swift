#if canImport(Glibc)
import Glibc
#endif

/// File names in `sha256sum`'s error messages (`sha256sum: NAME: No such file or directory`), quoted the way
/// coreutils quotes them there (gnulib's shell-escape quoting with `:` quoted too), so that kcrypto's stderr
/// matches coreutils' byte for byte in the same locale (`LC_ALL`/`LC_CTYPE`/`LANG`).
///
/// The rules, as measured against coreutils 9.1:
/// - a name made only of characters that are safe in a shell word (letters, digits, `%+,-./@]_`, printable
///   non-ASCII characters of the locale; `#` and `~` except first; `{`/`}` unless alone) is written as it is;
/// - otherwise it is single-quoted: `'a b'`. A `'` becomes `'\''`; control characters and bytes that are not
///   printable characters of the locale are written inside `$'…'` segments as `\n`, `\t`, … or `\ooo` octal:
///   `'tab'$'\t''x'`, `'m'$'\351'`;
/// - a name that needs quoting only for `'`, blanks and safe characters is double-quoted instead: `"it's"`;
/// - the empty name is `''`.
enum ChecksumQuoting {
    /// How one character of a name takes part in the quoting decision.
    private struct Unit {
        enum Form { case literal, singleQuote, escape(UInt8), octal }
        var bytes: ArraySlice<UInt8>
        var form: Form
        /// Whether this character alone makes the name need quotes.
        var forcesQuotes: Bool
        /// Whether the double-quoted form may hold it (only `'`, blanks and safe characters).
        var doubleQuotable: Bool
    }

    /// `name` as coreutils' `quotef` shows it in messages.
    static func quoted(_ name: some Collection<UInt8>) -> [UInt8] {
        let name = Array(name)
        if name.isEmpty { return Array("''".utf8) }
        let units = Self.units(name)
        guard units.contains(where: \.forcesQuotes) else { return name }
        if units.contains(where: { if case .singleQuote = $0.form { true } else { false } }),
           units.allSatisfy(\.doubleQuotable) {
            return [UInt8(ascii: "\"")] + name + [UInt8(ascii: "\"")]
        }
        let (quoted, endsInDollarQuote) = singleQuoted(units, startingInDollarQuote: false)
        guard units.contains(where: { if case .singleQuote = $0.form { true } else { false } }) else { return quoted }
        // coreutils 9.1's gnulib writes a name holding `'` in a second pass that starts in the `$'…'` state the
        // first pass ended in (`a'` + U+0001 comes out as `'''a'\'''$'\001'`); kcrypto writes the same bytes.
        return singleQuoted(units, startingInDollarQuote: endsInDollarQuote).0
    }

    /// The single-quoted form, and whether it ended inside a `$'…'` segment.
    private static func singleQuoted(_ units: [Unit], startingInDollarQuote: Bool) -> ([UInt8], Bool) {
        var out: [UInt8] = [UInt8(ascii: "'")]
        var inDollarQuote = startingInDollarQuote
        for unit in units {
            switch unit.form {
            case .literal:
                if inDollarQuote { out += Array("''".utf8); inDollarQuote = false }
                out += unit.bytes
            case .singleQuote:
                out += Array("'\\''".utf8)
                inDollarQuote = false
            case .escape(let letter):
                if !inDollarQuote { out += Array("'$'".utf8); inDollarQuote = true }
                out += [UInt8(ascii: "\\"), letter]
            case .octal:
                if !inDollarQuote { out += Array("'$'".utf8); inDollarQuote = true }
                for byte in unit.bytes {
                    out += [UInt8(ascii: "\\"), 48 + (byte >> 6), 48 + ((byte >> 3) & 7), 48 + (byte & 7)]
                }
            }
        }
        out.append(UInt8(ascii: "'"))
        return (out, inDollarQuote)
    }

    /// The name cut into characters (ASCII bytes, or multibyte characters of the locale; an invalid byte is one
    /// unit of its own), each classified.
    private static func units(_ name: [UInt8]) -> [Unit] {
        LocaleCharacters.inEnvironmentLocale { units(name, locale: $0) }
    }

    private static func units(_ name: [UInt8], locale: LocaleCharacters) -> [Unit] {
        var units: [Unit] = []
        var i = 0
        while i < name.count {
            let byte = name[i]
            let one = name[i...i]
            switch byte {
            case 7...13:
                let letter = Array("abtnvfr".utf8)[Int(byte) - 7]
                units.append(Unit(bytes: one, form: .escape(letter), forcesQuotes: true, doubleQuotable: false))
            case UInt8(ascii: "'"):
                units.append(Unit(bytes: one, form: .singleQuote, forcesQuotes: true, doubleQuotable: true))
            case UInt8(ascii: " "):
                units.append(Unit(bytes: one, form: .literal, forcesQuotes: true, doubleQuotable: true))
            case UInt8(ascii: "#"), UInt8(ascii: "~"):
                units.append(Unit(bytes: one, form: .literal, forcesQuotes: i == 0, doubleQuotable: i == 0))
            case UInt8(ascii: "{"), UInt8(ascii: "}"):
                let alone = name.count == 1
                units.append(Unit(bytes: one, form: .literal, forcesQuotes: alone, doubleQuotable: alone))
            case UInt8(ascii: ":"):
                units.append(Unit(bytes: one, form: .literal, forcesQuotes: true, doubleQuotable: true))
            case _ where shellSpecial.contains(byte):
                units.append(Unit(bytes: one, form: .literal, forcesQuotes: true, doubleQuotable: false))
            case _ where safePunctuation.contains(byte) || isAlphanumeric(byte):
                units.append(Unit(bytes: one, form: .literal, forcesQuotes: false, doubleQuotable: true))
            default:
                let (length, printable) = locale.character(at: i, in: name)
                let bytes = name[i..<(i + length)]
                units.append(printable
                    ? Unit(bytes: bytes, form: .literal, forcesQuotes: false, doubleQuotable: true)
                    : Unit(bytes: bytes, form: .octal, forcesQuotes: true, doubleQuotable: false))
                i += length
                continue
            }
            i += 1
        }
        return units
    }

    /// Bytes that make a name need quotes and are written as they are inside them.
    private static let shellSpecial = Set("!\"$&()*;<=>[^`|?\\".utf8)
    /// Punctuation that never needs quotes.
    private static let safePunctuation = Set("%+,-./]_".utf8)

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}

/// Decodes characters in the locale the environment names for LC_CTYPE (`newlocale`, `uselocale`, `mbtowc`)
/// and asks glibc whether each is printable (`iswprint`), as coreutils does after `setlocale(LC_ALL, "")`.
private struct LocaleCharacters {
    /// glibc's `iswprint`: `<wctype.h>` is not part of Swift's Glibc module, so it is looked up by name.
    private typealias IsPrintable = @convention(c) (UInt32) -> Int32
    private static let isPrintable: IsPrintable? = dlsym(nil, "iswprint").map { unsafeBitCast($0, to: IsPrintable.self) }

    /// Runs `body` with this thread's locale set to the environment's LC_CTYPE (C when that names no locale).
    static func inEnvironmentLocale<T>(_ body: (LocaleCharacters) -> T) -> T {
        guard let locale = newlocale(1 << LC_CTYPE, "", nil) ?? newlocale(1 << LC_CTYPE, "C", nil) else {
            return body(LocaleCharacters())
        }
        defer { freelocale(locale) }
        let previous = uselocale(locale)
        defer { if let previous { uselocale(previous) } }
        return body(LocaleCharacters())
    }

    /// `(byte count, printable)` of the character starting at `index`; an invalid or incomplete sequence is one
    /// byte that is not printable.
    func character(at index: Int, in bytes: [UInt8]) -> (Int, Bool) {
        var wide: wchar_t = 0
        _ = mbtowc(nil, nil, 0)
        let count = bytes[index...].withUnsafeBytes { raw in
            mbtowc(&wide, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count)
        }
        guard count > 0 else { return (1, false) }
        let printable = Self.isPrintable.map { $0(UInt32(bitPattern: wide)) != 0 } ?? (wide >= 0x20 && wide < 0x7f)
        return (Int(count), printable)
    }
}
