#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

/// Why `enc`/`dec` stopped; each case renders as one line without key bytes.
enum CipherCommandError: Error, CustomStringConvertible {
    /// A hex argument or file is malformed (`what` names the source, e.g. `--iv`).
    case badHex(what: String, reason: String)
    /// Key options: none, several, or unreadable.
    case keySource(String)
    /// The IV option does not fit the algorithm.
    case iv(String)
    /// An option value or combination is not usable (exit 64 with the command's usage).
    case usage(String)
    /// The run cannot go on for a reason that is not the command line's (a closed stream, a file refused).
    case refused(String)
    /// A system call on a file failed.
    case io(operation: String, path: String, errno: Errno)
    /// The library refused or failed a request.
    case cipher(KernelCipherError)
    /// The total input does not fit the chosen padding / block size.
    case inputLength(String)
    /// PKCS#7 padding did not verify on decryption (deliberately generic).
    case badPadding
    /// PKCS#7 padding did not verify on decryption with a key derived from a password.
    case wrongPassword
    /// `dec --format openssl`: the input lacks the `Salted__` header.
    case notOpenSSLFile(String)

    /// One line, printed after `kcrypto: `.
    var description: String {
        switch self {
        case .badHex(let what, let reason): "\(what): not valid hex: \(reason)"
        case .keySource(let message), .iv(let message), .usage(let message), .refused(let message),
             .inputLength(let message), .notOpenSSLFile(let message): message
        case .io(let operation, let path, let errno): "cannot \(operation) \(path): \(errno)"
        case .cipher(let error): "\(error)"
        case .badPadding: "bad decrypt: bad padding (wrong key, IV, or corrupted input)"
        case .wrongPassword: "bad decrypt: wrong password or corrupt file (bad padding)"
        }
    }
}

extension CipherCommandError {
    /// What a command throws for this error: a `UsageError` for `.usage` (`main` prints it with the command's usage
    /// and exits 64), else `ExitCode(1)` after printing `kcrypto: …`.
    func exit() -> any Error {
        if case .usage(let message) = self { return UsageError(message: message) }
        Console.error(description)
        return ExitCode(1)
    }
}

/// A command line that cannot work (a missing key, an empty path, two inputs on stdin, a negative count), found
/// after parsing: `main` prints `kcrypto: MESSAGE` and the subcommand's usage, and exits 64 (EX_USAGE), as
/// ArgumentParser does for the errors it finds itself.
struct UsageError: Error {
    let message: String
}

/// Hex decoding and key-material handling for `enc`/`dec`.
enum HexBytes {
    /// Decodes hex digits (either case); `what` names the source in errors, which never echo the text but say
    /// what is wrong and where: a byte order mark, a space or tab or other character at line L, column C, a
    /// second line, an odd number of digits (counting digits only).
    static func decode(_ text: some Collection<UInt8>, what: String) throws(CipherCommandError) -> [UInt8] {
        var text = Array(text)
        var digits = text
        defer { wipe(&text); wipe(&digits) }
        if text.starts(with: [0xEF, 0xBB, 0xBF]) {
            throw .badHex(what: what, reason: "it starts with a UTF-8 byte order mark (EF BB BF); save it without one")
        }
        let multiline = text.contains(0x0a)
        var line = 1, column = 0, count = 0
        for c in text {
            column += 1
            if Self.value(c) != nil { digits[count] = c; count += 1; continue }
            let at = multiline ? "line \(line), column \(column)" : "column \(column)"
            switch c {
            case 0x0a:
                throw .badHex(what: what, reason: "line \(line + 1) follows line \(line): the hex must be one line")
            case 0x0d: throw .badHex(what: what, reason: "a carriage return at \(at)")
            case 0x20: throw .badHex(what: what, reason: "a space at \(at)")
            case 0x09: throw .badHex(what: what, reason: "a tab at \(at)")
            default: throw .badHex(what: what, reason: "a character that is not a hex digit at \(at)")
            }
        }
        guard count % 2 == 0 else { throw .badHex(what: what, reason: "odd number of hex digits (\(count))") }
        var out = [UInt8](repeating: 0, count: count / 2)
        for i in 0..<(count / 2) { out[i] = Self.value(digits[2 * i])! << 4 | Self.value(digits[2 * i + 1])! }
        return out
    }

    /// The value of one hex digit, or nil.
    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Overwrites `bytes` with zeros in a way the optimizer keeps (the library's `cleanse`). `bytes` must be the only
    /// reference to its storage (a local array), or the wipe lands on a copy.
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { cleanse($0) }
    }

    /// Reads hex key text from `fd` until EOF (at most 4 KiB), ignoring leading and trailing whitespace (a
    /// BOM is named, not skipped), and decodes it; blank text is the empty key.
    static func readKey(fd: CInt, what: String) throws(CipherCommandError) -> [UInt8] {
        var text = [UInt8](repeating: 0, count: 4097)
        defer { wipe(&text) }
        var used: Int
        switch text.withUnsafeMutableBytes({ readFully(fd, into: $0) }) {
        case .success(let count): used = count
        case .failure(let errno): throw .keySource("cannot read key from \(what): \(errno)")
        }
        guard used < text.count else { throw .keySource("key in \(what) is longer than 4096 characters") }
        let blank: [UInt8] = [0x20, 0x09, 0x0a, 0x0d]
        while used > 0, blank.contains(text[used - 1]) { used -= 1 }
        var start = 0
        while start < used, blank.contains(text[start]) { start += 1 }
        // Empty or blank: the empty key, as `--key ''` gives (the algorithm decides whether it takes one).
        return try decode(text[start..<used], what: "key in \(what)")
    }
}

/// Where the bytes come from: a file or stdin, read in whole chunks.
struct CipherInput: ~Copyable {
    let fd: CInt
    let name: String
    /// The opened file (closed with this value); nil for stdin, which stays open.
    private let owned: OwnedDescriptor?

    /// Opens the file `path` names (byte for byte), or stdin when nil or `-` (an error when stdin was closed at
    /// start). `option` names the option in messages (`-i`, `--aad-file`, `FILE`).
    init(name path: FileName?, option: String = "-i") throws(CipherCommandError) {
        guard let path, !path.isStandardStream else {
            guard !StandardStreams.wasClosed(0) else { throw .refused("stdin is closed") }
            fd = 0; name = "stdin"; owned = nil; return
        }
        guard !path.isEmpty else { throw .usage("\(option): the file name is empty") }
        let shown = path.shown(option: option)
        let file: OwnedDescriptor
        do { file = try path.openOwned(O_RDONLY) } catch { throw .io(operation: "open", path: shown, errno: error) }
        if case .success(let st) = fileStatus(file.rawValue), (st.st_mode & S_IFMT) == S_IFDIR {
            throw .io(operation: "read", path: shown, errno: Errno(rawValue: EISDIR))
        }
        fd = file.rawValue
        name = shown
        owned = consume file
    }

    /// `init(name:)` for an argv element encoded by `ArgvEncoding` (nil or `-`: stdin).
    init(path: String?) throws(CipherCommandError) {
        try self.init(name: path.map(FileName.init(argument:)), option: "FILE")
    }

    /// Whether the input is stdin.
    var isStdin: Bool { fd == 0 }

    /// The size of a regular file (for `--progress`), else nil.
    var regularFileSize: Int? {
        guard case .success(let st) = fileStatus(fd), st.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(st.st_size)
    }

    /// Fills `buffer` from the start; returns fewer bytes than its size only at end of input.
    func readFull(into buffer: UnsafeMutableRawBufferPointer) throws(CipherCommandError) -> Int {
        try Self.readFull(fd: fd, name: name, into: buffer)
    }

    /// `readFull(into:)` on a descriptor and its shown name (the pipeline's I/O thread reads this way).
    static func readFull(fd: CInt, name: String, into buffer: UnsafeMutableRawBufferPointer)
        throws(CipherCommandError) -> Int
    {
        switch readFully(fd, into: buffer) {
        case .success(let count): return count
        case .failure(let errno): throw .io(operation: "read", path: name, errno: errno)
        }
    }
}

/// Which of a command's inputs read descriptor 0, so that two of them never share it (the first would consume
/// what the second expects: `--aad-file -` took the whole message as associated data).
enum StdinSharing {
    /// Whether `name` reads stdin: nil (when `nilIsStdin`), `-`, or a path that resolves to the file open on
    /// descriptor 0 (`/dev/stdin`, `/proc/self/fd/0`, a FIFO's name; `stat` device and inode). A stdin on
    /// `/dev/null` has nothing to consume and is never shared.
    static func reads(_ name: FileName?, nilIsStdin: Bool) -> Bool {
        guard let name else { return nilIsStdin }
        if name.isStandardStream { return true }
        var st = stat()
        guard case .success = name.stat(&st) else { return false }
        return isStdin(st)
    }

    /// Whether descriptor `fd` is (a duplicate of) stdin's open file.
    static func reads(descriptor fd: CInt) -> Bool {
        if fd == 0 { return true }
        guard case .success(let st) = fileStatus(fd) else { return false }
        return isStdin(st)
    }

    private static func isStdin(_ st: stat) -> Bool {
        guard !StandardStreams.wasClosed(0) else { return false }
        guard case .success(let stdin) = fileStatus(0) else { return false }
        let isNull = stdin.st_mode & S_IFMT == S_IFCHR && stdin.st_rdev == 0x103
        return !isNull && st.st_dev == stdin.st_dev && st.st_ino == stdin.st_ino
    }

    /// Refuses two or more of `sources` (option name, whether it reads stdin) reading stdin.
    static func refuseShared(_ sources: [(String, Bool)]) throws(CipherCommandError) {
        let shared = sources.filter(\.1).map(\.0)
        guard shared.count > 1 else { return }
        throw .usage("\(shared.joined(separator: " and ")) would both read stdin; give all but one of them as "
            + "a file (the input with -i FILE)")
    }
}
