#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
@_spi(Platform) import KernelCipher

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
    var path = FileName(literal: "/proc/crypto")

    /// The file as named in messages and JSON (escaped; a name holding 16 or more hex digits in a row withheld).
    var shown: String { path.shown(option: "--proc-file") }

    /// Runs `body` with a path the library can open that is the file `path` names byte for byte: the name itself
    /// when it is UTF-8 without escapes, else `/proc/self/fd/N` of a descriptor opened on its bytes (`O_NONBLOCK`,
    /// so a FIFO never blocks). Fails with the errno of that open.
    func withLibraryPath<R>(_ body: (String) throws -> R) throws -> R {
        if path.isEmpty { throw UsageError(message: "--proc-file: the file name is empty") }
        if let text = String(validating: path.bytes, as: UTF8.self), ArgvEncoding.decode(text) == path.bytes {
            return try body(text)
        }
        let file = try path.openOwned(O_RDONLY | O_NONBLOCK)
        return try body("/proc/self/fd/\(file.rawValue)")  // `file` closes at the end of this scope
    }

    /// Reads and parses the file; on failure prints one line to stderr and exits 2.
    func load() throws -> ProcCrypto {
        let parsed: ProcCrypto
        do {
            parsed = try withLibraryPath { libraryPath in try ProcCrypto.read(path: libraryPath) }
        } catch let error as Errno {
            var st = stat()
            if error == .invalidArgument, case .success = path.stat(&st), st.st_mode & S_IFMT != S_IFREG {
                let kind = switch st.st_mode & S_IFMT {
                case S_IFIFO: "a FIFO"
                case S_IFCHR: "a character device"
                case S_IFBLK: "a block device"
                case S_IFSOCK: "a socket"
                default: "of another kind"
                }
                Console.error("cannot read \(shown): not a regular file (\(kind))")
            } else {
                Console.error("cannot read \(shown): \(error)")
            }
            throw ExitCode(2)
        }
        if let first = parsed.warnings.first {
            Console.error("warning: \(parsed.warnings.count) malformed line(s) in \(shown) ignored (first: \(first))")
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
    /// Prints `kcrypto: message` on stderr, control characters escaped; a closed or full stderr is ignored
    /// (a diagnostic never traps).
    static func error(_ message: String) {
        StandardStreams.write(2, "kcrypto: \(Text.escaped(message))\n")
    }

    /// Writes `text` and a newline to stdout (`write(2)`, no buffering), control characters other than newlines
    /// escaped. On failure prints `cannot write stdout: ERRNO` (or `stdout is closed`) and throws exit status 1.
    static func print(_ text: String) throws(ExitCode) {
        guard !StandardStreams.wasClosed(1) else {
            error("stdout is closed")
            throw ExitCode(1)
        }
        let escaped = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { Text.escaped(String($0)) }.joined(separator: "\n")
        if let failure = StandardStreams.write(1, escaped + "\n") {
            error("cannot write stdout: \(failure)")
            throw ExitCode(1)
        }
    }

    /// Prints `value` as pretty JSON with sorted keys on stdout.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        try print(String(decoding: data, as: UTF8.self))
    }

    /// Renders rows as left-aligned columns separated by two spaces (last column not padded).
    static func table(_ rows: [[String]]) -> String {
        let rows = rows.map { $0.map(Text.escaped) }
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

/// Text that came from outside (command line, /proc/crypto, file names) made safe for one line of output.
enum Text {
    /// Control characters escaped (`\e`, `\n`, `\x7f`, …) so that a name cannot drive the terminal.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return KernelCipherError.displayName(text, limit: nil)
    }

    /// `escaped`, and cut to 64 characters plus the length when longer than 80 (for names in errors).
    static func name(_ text: String) -> String { KernelCipherError.displayName(text) }

    /// A path or value named in an error, unless it may be key material: text made only of hex digits (16 or
    /// more) is replaced by `(the OPTION argument, not shown: …)` — a key given to the wrong option.
    static func argument(_ text: String, option: String) -> String {
        if text.count >= 16, text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) {
            return "(the \(option) argument, not shown: it is all hex digits and may be a key)"
        }
        return name(text)
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7f && scalar.value <= 0x9f) || scalar == "\u{2028}"
            || scalar == "\u{2029}"
    }
}

/// The standard descriptors 0–2 as they were at start: closed ones are reserved (opened on `/dev/null`) so that
/// no socket, epoll or eventfd descriptor becomes "stdout", and remembered so that using them is an error.
enum StandardStreams {
    /// The descriptors among 0–2 that were closed at start (filled once, at the top of `main`).
    private static let closedAtStart: Set<CInt> = {
        var closed = Set<CInt>()
        for fd: CInt in 0...2 where fcntl(fd, F_GETFD) < 0 && errno == EBADF {
            closed.insert(fd)
            // The lowest free descriptor: usually `fd` itself, which then stays open on /dev/null.
            guard let null = try? OwnedDescriptor(opening: "/dev/null", flags: fd == 0 ? O_RDONLY : O_WRONLY) else {
                continue
            }
            if null.rawValue == fd { _ = null.release() } else { dup2(null.rawValue, fd) }
        }
        return closed
    }()

    /// Opens `/dev/null` onto closed descriptors 0–2 (`fcntl(F_GETFD)`, `open`); call first thing in `main`.
    static func reserve() { _ = closedAtStart }

    /// Whether `fd` (0–2) was closed when kcrypto started.
    static func wasClosed(_ fd: CInt) -> Bool { closedAtStart.contains(fd) }

    /// Writes all of `text` to `fd` (`write(2)`, EINTR retried); returns the errno of a failure.
    @discardableResult
    static func write(_ fd: CInt, _ text: String) -> Errno? {
        var text = text
        return text.withUTF8 { buffer -> Errno? in
            if case .failure(let errno) = writeFully(fd, UnsafeRawBufferPointer(buffer)) { return errno }
            return nil
        }
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
