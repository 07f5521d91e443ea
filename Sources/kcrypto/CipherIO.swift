#if canImport(Glibc)
import Glibc
#endif
@_spi(Platform) import KernelCipher

/// Why `enc`/`dec` stopped; each case renders as one line without key bytes.
enum CipherCommandError: Error, CustomStringConvertible {
    /// A hex argument or file is malformed (`what` names the source, e.g. `--iv`).
    case badHex(what: String, reason: String)
    /// Key options: none, several, or unreadable.
    case keySource(String)
    /// The IV option does not fit the algorithm.
    case iv(String)
    /// An option value or combination is not usable.
    case usage(String)
    /// A system call on a file failed.
    case io(operation: String, path: String, errno: Errno)
    /// The library refused or failed a request.
    case cipher(KernelCipherError)
    /// The total input does not fit the chosen padding / block size.
    case inputLength(String)
    /// PKCS#7 padding did not verify on decryption (deliberately generic).
    case badPadding

    /// One line, printed after `kcrypto: `.
    var description: String {
        switch self {
        case .badHex(let what, let reason): "\(what): not valid hex: \(reason)"
        case .keySource(let message), .iv(let message), .usage(let message), .inputLength(let message): message
        case .io(let operation, let path, let errno): "cannot \(operation) \(path): \(errno)"
        case .cipher(let error): "\(error)"
        case .badPadding: "bad decrypt: bad padding (wrong key, IV, or corrupted input)"
        }
    }
}

/// Hex decoding and key-material handling for `enc`/`dec`.
enum HexBytes {
    /// Decodes hex digits (either case); `what` names the source in errors, which never echo the text.
    static func decode(_ text: some Collection<UInt8>, what: String) throws(CipherCommandError) -> [UInt8] {
        guard text.count % 2 == 0 else { throw .badHex(what: what, reason: "odd number of digits (\(text.count))") }
        var out = [UInt8](repeating: 0, count: text.count / 2)
        var high: UInt8 = 0
        for (i, c) in text.enumerated() {
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default:
                wipe(&out)
                throw .badHex(what: what, reason: "non-hex character at position \(i + 1)")
            }
            if i % 2 == 0 { high = v } else { out[i / 2] = high << 4 | v }
        }
        high = 0
        return out
    }

    /// Overwrites `bytes` with zeros in a way the optimizer keeps (explicit_bzero).
    static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
    }

    /// Reads hex key text from `fd` until EOF (at most 4 KiB), ignoring leading and trailing whitespace, and
    /// decodes it.
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
        guard used > start else { throw .keySource("key in \(what) is empty") }
        return try decode(text[start..<used], what: "key in \(what)")
    }
}

/// Where the bytes come from: a file or stdin, read in whole chunks.
struct CipherInput: ~Copyable {
    let fd: CInt
    let name: String

    /// Opens `path`, or stdin when nil or `-` (an error when stdin was closed at start).
    init(path: String?) throws(CipherCommandError) {
        guard let path, path != "-" else {
            guard !StandardStreams.wasClosed(0) else { throw .usage("stdin is closed") }
            fd = 0; name = "stdin"; return
        }
        let shown = Text.argument(path, option: "-i")
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw .io(operation: "open", path: shown, errno: .current) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw .io(operation: "read", path: shown, errno: Errno(rawValue: EISDIR))
        }
        self.fd = fd
        name = shown
    }

    /// Whether the input is stdin.
    var isStdin: Bool { fd == 0 }

    deinit { if fd > 2 { close(fd) } }

    /// Fills `buffer` from the start; returns fewer bytes than its size only at end of input.
    func readFull(into buffer: UnsafeMutableRawBufferPointer) throws(CipherCommandError) -> Int {
        switch readFully(fd, into: buffer) {
        case .success(let count): return count
        case .failure(let errno): throw .io(operation: "read", path: name, errno: errno)
        }
    }
}

/// `read(2)` into `buffer` until it is full or at end of input (EINTR retried); returns the bytes read.
func readFully(_ fd: CInt, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
    var used = 0
    while used < buffer.count {
        switch valueOrErrno(retryOnInterrupt: true, { read(fd, buffer.baseAddress! + used, buffer.count - used) }) {
        case .success(0): return .success(used)
        case .success(let n): used += n
        case .failure(let errno): return .failure(errno)
        }
    }
    return .success(used)
}

/// Progress on stderr for runs longer than a second, only when stderr is a terminal.
struct Progress {
    private let enabled = isatty(2) == 1
    private let start = Progress.now()
    private var last = 0.0
    private(set) var shown = false

    /// Reports `bytes` processed so far, at most twice a second.
    mutating func update(_ bytes: Int) {
        guard enabled else { return }
        let t = Progress.now() - start
        guard t >= 1, t - last >= 0.5 else { return }
        last = t
        shown = true
        let mib = Double(bytes) / 1_048_576
        Progress.print("\r\(Int(mib)) MiB, \(Int(mib / t)) MiB/s ")
    }

    /// Ends the progress line if one was shown.
    func finish() { if shown { Progress.print("\n") } }

    private static func print(_ text: String) {
        var text = text
        text.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
