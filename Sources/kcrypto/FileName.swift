#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

/// A file name as the bytes the kernel sees (from argv or a checksum list), never repaired into a String.
struct FileName: Hashable, Sendable {
    /// The name's bytes; never contains NUL (may be empty only when it came from an empty argument).
    let bytes: [UInt8]

    /// nil when `bytes` is empty or contains NUL (no file has such a name).
    init?(bytes: [UInt8]) {
        guard !bytes.isEmpty, !bytes.contains(0) else { return nil }
        self.bytes = bytes
    }

    /// Decodes an argv element encoded by `ArgvEncoding` (its escape scalars back to the bytes they stand for).
    /// An empty argument gives an empty name (`isEmpty`), which commands refuse before doing any work.
    init(argument: String) {
        bytes = ArgvEncoding.decode(argument)
    }

    /// A name given as text in the program (e.g. `/proc/crypto`), taken as its UTF-8 bytes.
    init(literal: String) { bytes = Array(literal.utf8) }

    /// Whether the name is empty (`-o ''`): no file can have it.
    var isEmpty: Bool { bytes.isEmpty }

    /// The name is exactly "-" (stdin or stdout, by the option's meaning).
    var isStandardStream: Bool { bytes == [UInt8(ascii: "-")] }

    /// The name safe for one terminal line: control characters escaped (`\e`, `\t`, `\x01`, `\u{85}`), bytes that
    /// are not UTF-8 as `\xNN`, cut to 64 characters plus the length past 80; a name holding 16 or more hex digits
    /// in a row (it may be a key given to the wrong option) is not shown at all (README, "Messages never echo…").
    var displayForError: String { shown(option: nil) }

    /// `displayForError`, naming `option` (e.g. `--key-file`) when the name is withheld.
    func shown(option: String?) -> String {
        if mayBeKey {
            let what = bytes.allSatisfy(Self.isHexDigit) ? "it is all hex digits" : "it holds 16 or more hex digits in a row"
            return "(the \(option.map { "\($0) argument" } ?? "name"), not shown: \(what) and may be a key)"
        }
        return FileName.escaped(bytes, limit: 80)
    }

    /// Whether the name holds a run of 16 or more hex digits.
    var mayBeKey: Bool {
        var run = 0
        for byte in bytes {
            if Self.isHexDigit(byte) {
                run += 1
                if run >= 16 { return true }
            } else {
                run = 0
            }
        }
        return false
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x66)
    }

    /// `open(2)` on the exact bytes (`O_CLOEXEC | O_NOCTTY` added), EINTR retried; callers take `openOwned`.
    private func openDescriptor(_ flags: Int32, mode: mode_t) throws(Errno) -> Int32 {
        try call { path in
            valueOrErrno(retryOnInterrupt: true) { Glibc.open(path, flags | O_CLOEXEC | O_NOCTTY, mode) }
        }.get()
    }

    /// `open(2)` on the exact bytes (`O_CLOEXEC | O_NOCTTY` added), EINTR retried, as an owner that closes it.
    func openOwned(_ flags: Int32, mode: mode_t = 0o666) throws(Errno) -> OwnedDescriptor {
        OwnedDescriptor(adopting: try openDescriptor(flags, mode: mode))
    }

    /// The directory part with its trailing slash, or empty for a bare name.
    var directoryPrefix: [UInt8] {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return [] }
        return Array(bytes[...slash])
    }

    /// The last component (after the last slash).
    var lastComponent: [UInt8] {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return bytes }
        return Array(bytes[(slash + 1)...])
    }

    /// `bytes` escaped for a terminal line (see `displayForError`); `limit`: cut past this many characters.
    static func escaped(_ bytes: [UInt8], limit: Int?) -> String {
        var out = "", characters = 0
        var i = 0
        while i < bytes.count {
            if let (scalar, length) = ArgvEncoding.scalar(in: bytes, at: i) {
                out += KernelCipherError.displayName(String(Character(scalar)), limit: nil)
                i += length
            } else {
                out += "\\x" + (bytes[i] < 16 ? "0" : "") + String(bytes[i], radix: 16)
                i += 1
            }
            characters += 1
        }
        guard let limit, characters > limit else { return out }
        return String(out.prefix(64)) + "… (\(bytes.count) bytes)"
    }
}

extension FileName: ExpressibleByArgument {
    /// How `--help` shows a default name.
    var defaultValueDescription: String { displayForError }
}

/// The system calls kcrypto makes on names, on the exact bytes (EINTR retried where it can occur).
extension FileName {
    /// `stat(2)` (follows symlinks).
    func stat(_ st: inout Glibc.stat) -> Result<Void, Errno> {
        call { path in nothingOrErrno(retryOnInterrupt: false) { systemStat(path, &st) } }
    }

    /// `lstat(2)`.
    func lstat(_ st: inout Glibc.stat) -> Result<Void, Errno> {
        call { path in nothingOrErrno(retryOnInterrupt: false) { systemLstat(path, &st) } }
    }

    /// `access(2)` with the real ids.
    func access(_ mode: CInt) -> Result<Void, Errno> {
        call { path in nothingOrErrno(retryOnInterrupt: false) { Glibc.access(path, mode) } }
    }

    /// `unlink(2)`.
    func unlink() -> Result<Void, Errno> {
        call { path in nothingOrErrno(retryOnInterrupt: false) { Glibc.unlink(path) } }
    }

    /// `rename(2)` onto `target`.
    func rename(to target: FileName) -> Result<Void, Errno> {
        call { from in target.call { to in nothingOrErrno(retryOnInterrupt: false) { Glibc.rename(from, to) } } }
    }

    /// `readlink(2)`: the link's bytes.
    func readlink() -> Result<[UInt8], Errno> {
        call { path in
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = buffer.withUnsafeMutableBytes { raw in
                valueOrErrno(retryOnInterrupt: false) {
                    Glibc.readlink(path, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count - 1)
                }
            }
            return count.map { Array(buffer[0..<$0]) }
        }
    }

    /// `body` on the C string; an empty name fails with ENOENT, as the kernel would.
    func call<R>(_ body: (UnsafePointer<CChar>) -> Result<R, Errno>) -> Result<R, Errno> {
        guard !bytes.isEmpty else { return .failure(Errno(rawValue: ENOENT)) }
        var terminated = bytes
        terminated.append(0)
        return terminated.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
    }

    /// `body` on the C string (nil for an empty name).
    func withPathOrNil<R>(_ body: (UnsafePointer<CChar>) -> R?) -> R? {
        switch call({ path in Result<R?, Errno>.success(body(path)) }) {
        case .success(let value): return value
        case .failure: return nil
        }
    }
}

/// argv made into Strings for swift-argument-parser without losing a byte: valid UTF-8 passes unchanged, and
/// every byte of an invalid sequence, or of a scalar in the escape range U+10FF00…U+10FFFF itself, becomes the
/// private-use scalar U+10FF00 + byte. `FileName(argument:)` maps those scalars back.
enum ArgvEncoding {
    /// The first escape scalar (stands for byte 0x00; 0x01…0xff follow).
    static let escapeBase: UInt32 = 0x10FF00

    /// The arguments after the program name, from `CommandLine.unsafeArgv`, each encoded reversibly.
    static func encodedArguments() -> [String] {
        (1..<Int(CommandLine.argc)).map { i in
            guard let pointer = CommandLine.unsafeArgv[i] else { return "" }
            let length = strlen(pointer)
            return encode(Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self),
                                                    count: length)))
        }
    }

    /// `bytes` as a String (see the type's comment).
    static func encode(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < bytes.count {
            if let (scalar, length) = scalar(in: bytes, at: i), scalar.value < escapeBase {
                scalars.append(scalar)
                i += length
            } else {
                // An invalid sequence: escape one byte and resynchronise at the next. A scalar in the escape
                // range: escape each of its bytes.
                let length = scalar(in: bytes, at: i)?.1 ?? 1
                for byte in bytes[i..<(i + length)] { scalars.append(Unicode.Scalar(escapeBase + UInt32(byte))!) }
                i += length
            }
        }
        return String(scalars)
    }

    /// The bytes `text` stands for (inverse of `encode`).
    static func decode(_ text: String) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.value >= escapeBase {
                out.append(UInt8(scalar.value - escapeBase))
            } else {
                out.append(contentsOf: scalar.utf8)
            }
        }
        return out
    }

    /// `text` with escape scalars shown as `\xNN` (for messages that quote an argument).
    static func displayable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= escapeBase }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value >= escapeBase {
                let byte = scalar.value - escapeBase
                out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The well-formed UTF-8 scalar starting at `bytes[i]` and its length (shortest form, no surrogates).
    static func scalar(in bytes: [UInt8], at i: Int) -> (Unicode.Scalar, Int)? {
        let first = bytes[i]
        let length: Int, minimum: UInt32
        var value: UInt32
        switch first {
        case 0x00...0x7f: return (Unicode.Scalar(first), 1)
        case 0xc2...0xdf: length = 2; minimum = 0x80; value = UInt32(first & 0x1f)
        case 0xe0...0xef: length = 3; minimum = 0x800; value = UInt32(first & 0x0f)
        case 0xf0...0xf4: length = 4; minimum = 0x10000; value = UInt32(first & 0x07)
        default: return nil
        }
        guard i + length <= bytes.count else { return nil }
        for byte in bytes[(i + 1)..<(i + length)] {
            guard byte & 0xc0 == 0x80 else { return nil }
            value = value << 6 | UInt32(byte & 0x3f)
        }
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}

/// `stat(2)` and `lstat(2)`, named apart from `FileName.stat(_:)` and the `stat` struct.
private func systemStat(_ path: UnsafePointer<CChar>, _ st: inout stat) -> CInt { stat(path, &st) }
private func systemLstat(_ path: UnsafePointer<CChar>, _ st: inout stat) -> CInt { lstat(path, &st) }
