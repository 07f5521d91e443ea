#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto enc`: encrypt a file or stdin with a kernel (or software) skcipher.
    struct Enc: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt FILE or stdin with a kernel skcipher (like kcapi-enc -e).",
            discussion: CipherOptions.discussion
        )

        @OptionGroup var options: CipherOptions

        func run() async throws { try options.execute(.encrypt) }
    }

    /// `kcrypto dec`: decrypt a file or stdin with a kernel (or software) skcipher.
    struct Dec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt FILE or stdin with a kernel skcipher (like kcapi-enc -d).",
            discussion: CipherOptions.discussion
        )

        @OptionGroup var options: CipherOptions

        func run() async throws { try options.execute(.decrypt) }
    }
}

/// `--engine auto|kernel|software`.
enum EngineOption: String, CaseIterable, ExpressibleByArgument {
    case auto, kernel, software

    var preference: EnginePreference {
        switch self {
        case .auto: .automatic
        case .kernel: .kernel
        case .software: .software
        }
    }
}

/// The options `enc` and `dec` share, and the work they do.
struct CipherOptions: ParsableArguments {
    static let discussion = """
        Streams in 1 MiB requests (constant memory), carrying the IV between requests for cbc, ctr and \
        chacha20; ecb needs no IV. Algorithms whose IV cannot be carried (xts, cts, rfc3686, …) are processed \
        as one request, so their input is limited (16 MiB; 64 KiB on the kernel engine). With -o FILE the output is \
        written to a temporary file renamed into place on success (keeping a replaced file's mode and owner) and \
        removed on failure or SIGHUP/SIGINT/SIGQUIT/SIGPIPE/SIGTERM; devices and FIFOs are written directly.
        """

    @Option(name: [.short, .long], help: "Kernel algorithm name, e.g. 'cbc(aes)', 'ctr(aes)', 'ecb(aes)', 'xts(aes)', 'chacha20'.")
    var cipher: String

    @Option(help: "Key as hex. Visible to other users in the process list (ps, /proc/PID/cmdline): prefer --key-file or --keyfd.")
    var key: String?

    @Option(help: "Read the key as hex text from this open file descriptor (surrounding whitespace ignored).")
    var keyfd: Int32?

    @Option(name: .customLong("key-file"), help: "Read the key as hex text from this file (surrounding whitespace ignored).")
    var keyFile: String?

    @Option(help: "IV as hex, exactly the algorithm's IV size; required when it has one, refused when not (ecb).")
    var iv: String?

    @Option(name: [.customShort("i"), .customLong("in")], help: "Input file; - or none: stdin.")
    var input: String?

    @Option(name: [.customShort("o"), .customLong("out")], help: "Output file; - or none: stdout. Devices and FIFOs are written directly, regular files replaced on success (see README).")
    var output: String?

    @Option(help: "pkcs7 or none. Default: pkcs7 for block modes (ecb, cbc), none for stream and other modes.")
    var padding: Padding?

    @Option(help: "auto (kernel when AF_ALG serves the algorithm, else software), kernel or software.")
    var engine: EngineOption = .auto

    @Option(name: .customLong("chunk-size"), help: .hidden)
    var chunkSize: Int = 1 << 20

    /// The largest `--chunk-size`: three buffers of this size are allocated.
    static let maximumChunkSize = 256 << 20

    /// Runs the command; any failure becomes one `kcrypto: …` line on stderr and exit status 1.
    func execute(_ operation: CipherOperation) throws(ExitCode) {
        do {
            try perform(operation)
        } catch {
            Console.error(error.description)
            throw ExitCode(1)
        }
    }

    private func perform(_ operation: CipherOperation) throws(CipherCommandError) {
        guard chunkSize > 0, chunkSize % 64 == 0, chunkSize <= Self.maximumChunkSize else {
            throw .usage("--chunk-size must be a positive multiple of 64 of at most \(Self.maximumChunkSize) bytes")
        }
        if keyfd == 0 && (input == nil || input == "-") {
            throw .keySource("--keyfd 0 is stdin, which is also the input; give the input with -i FILE or the key "
                + "on another descriptor")
        }
        if key != nil {
            Console.error("warning: --key is visible to other users in the process list; prefer --key-file or --keyfd")
        }
        let transform: Transform
        do {
            transform = try Transform(cipher, engine: engine.preference, options: .init(maxInFlight: 1))
        } catch {
            throw .cipher(error)
        }
        defer { transform.release() }

        var keyBytes = try loadKey()
        defer { HexBytes.wipe(&keyBytes) }
        do { try transform.setKey(keyBytes) } catch { throw .cipher(error) }
        HexBytes.wipe(&keyBytes)

        let ivBytes = try parseIV(size: transform.ivSize)
        let blockMode = transform.blockSize > 1 && transform.properties.requiresBlockMultiple
        let padding = padding ?? (blockMode ? .pkcs7 : .none)
        if padding == .pkcs7 && !blockMode {
            throw .usage("--padding pkcs7 applies to block modes such as ecb and cbc; \(cipher) takes any length "
                + "(use --padding none)")
        }

        let input = try CipherInput(path: input)
        var output = try CipherOutput(path: output)
        var progress = Progress()
        defer { progress.finish() }
        var stream = CipherStream(
            transform: transform, operation: operation, padding: padding,
            chaining: transform.ivChaining, chunkSize: chunkSize, iv: ivBytes)
        try stream.run(from: input, to: output, progress: &progress)
        try output.commit()
    }

    private func loadKey() throws(CipherCommandError) -> [UInt8] {
        let given = [key != nil, keyfd != nil, keyFile != nil].filter { $0 }.count
        guard given == 1 else {
            throw .keySource(given == 0 ? "a key is required: --key HEX, --keyfd N or --key-file PATH"
                                        : "give only one of --key, --keyfd and --key-file")
        }
        if let key {
            var text = Array(key.utf8)
            defer { HexBytes.wipe(&text) }
            return try HexBytes.decode(text, what: "--key")
        }
        if let keyfd {
            guard keyfd >= 0 else { throw .keySource("--keyfd \(keyfd) is not a file descriptor") }
            try refuseStdinKey(fd: keyfd, source: "--keyfd \(keyfd)")
            return try HexBytes.readKey(fd: keyfd, what: "--keyfd \(keyfd)")
        }
        let path = keyFile!
        let shown = Text.argument(path, option: "--key-file")
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw .io(operation: "open key file", path: shown, errno: .current) }
        defer { close(fd) }
        try refuseStdinKey(fd: fd, source: "key file \(shown)")
        return try HexBytes.readKey(fd: fd, what: "key file \(shown)")
    }

    /// Refuses a key source that is the file stdin is (`fstat` device and inode, e.g. `--key-file /dev/stdin`
    /// or a dup of descriptor 0) when the input is stdin too: the key would consume the input.
    private func refuseStdinKey(fd: CInt, source: String) throws(CipherCommandError) {
        guard input == nil || input == "-", !StandardStreams.wasClosed(0) else { return }
        var key = stat(), stdin = stat()
        guard fstat(fd, &key) == 0, fstat(0, &stdin) == 0 else { return }
        let isNull = stdin.st_mode & S_IFMT == S_IFCHR && stdin.st_rdev == 0x103  // /dev/null: nothing to consume
        if fd == 0 || (!isNull && key.st_dev == stdin.st_dev && key.st_ino == stdin.st_ino) {
            throw .keySource("\(source) is stdin, which is also the input; give the input with -i FILE or the key "
                + "on another descriptor")
        }
    }

    private func parseIV(size: Int) throws(CipherCommandError) -> [UInt8] {
        guard size > 0 else {
            if iv != nil { throw .iv("\(cipher) takes no IV; remove --iv") }
            return []
        }
        guard let iv else { throw .iv("\(cipher) needs --iv with \(size) bytes (\(2 * size) hex digits)") }
        let bytes = try HexBytes.decode(Array(iv.utf8), what: "--iv")
        guard bytes.count == size else {
            throw .iv("--iv has \(bytes.count) bytes; \(cipher) needs \(size) (\(2 * size) hex digits)")
        }
        return bytes
    }
}
