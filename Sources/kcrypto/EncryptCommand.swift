#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto enc`: encrypt a file or stdin with a kernel (or software) skcipher.
    struct Enc: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt FILE or stdin with a kernel skcipher (like kcapi-enc -e).",
            discussion: CipherOptions.discussion
        )

        @OptionGroup var options: CipherOptions

        func run() throws { try options.execute(.encrypt) }
    }

    /// `kcrypto dec`: decrypt a file or stdin with a kernel (or software) skcipher.
    struct Dec: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt FILE or stdin with a kernel skcipher (like kcapi-enc -d).",
            discussion: CipherOptions.discussion
        )

        @OptionGroup var options: CipherOptions

        func run() throws { try options.execute(.decrypt) }
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

    @OptionGroup var key: KeyOptions

    @OptionGroup var password: PasswordKeyOptions

    @OptionGroup var passwordFormat: PasswordFormatOptions

    @Option(help: "IV as hex, exactly the algorithm's IV size; required when it has one, refused when not (ecb).")
    var iv: String?

    @Option(name: [.customShort("i"), .customLong("in")], help: "Input file; - or none: stdin.")
    var input: FileName?

    @Option(name: [.customShort("o"), .customLong("out")], help: "Output file; - or none: stdout. Devices and FIFOs are written directly, regular files replaced on success (see README).")
    var output: FileName?

    @Flag(help: "Show bytes done, rate and ETA on stderr (redrawn on a terminal, a line every 10 s otherwise).")
    var progress = false

    @Option(help: "pkcs7 or none. Default: pkcs7 for block modes (ecb, cbc), none for stream and other modes.")
    var padding: Padding?

    @Option(help: "auto (kernel when AF_ALG serves the algorithm, else software), kernel or software.")
    var engine: EngineOption = .auto

    @OptionGroup var aead: AEADOptions

    @Option(name: .customLong("chunk-size"), help: .hidden)
    var chunkSize: Int = 1 << 20

    /// The options of a transform that only a `CipherStream` uses: one slot, and worker-thread completion named
    /// rather than `.automatic`, so that the kernel engine skips the AIO probe (a stream makes synchronous calls
    /// only; the request queue is never created).
    static let streamTransformOptions = TransformOptions(maxInFlight: 1, completionMode: .threads)

    /// The largest `--chunk-size` (the one-thread loop allocates two buffers of this size, the pipeline six of at most
    /// 16 MiB).
    static let maximumChunkSize = 256 << 20

    /// Runs the command; a usage error becomes `kcrypto: …` and the command's usage with exit status 64, any
    /// other failure one `kcrypto: …` line on stderr and exit status 1.
    func execute(_ operation: CipherOperation) throws {
        do {
            try perform(operation)
        } catch {
            throw error.exit()
        }
    }

    /// Checks that need no work done: paths not empty, at most one input on stdin, the key options.
    func checkBeforeWork() throws(CipherCommandError) {
        guard chunkSize > 0, chunkSize % 64 == 0, chunkSize <= Self.maximumChunkSize else {
            throw .usage("--chunk-size must be a positive multiple of 64 of at most \(Self.maximumChunkSize) bytes")
        }
        if input?.isEmpty == true { throw .usage("-i: the file name is empty") }
        if output?.isEmpty == true { throw .usage("-o: the file name is empty") }
        if aead.aadFile?.isEmpty == true { throw .usage("--aad-file: the file name is empty") }
        try password.check(key: key, input: input)
        if password.isGiven { return }
        try key.check(input: input, others: aead.aadFile.map { [("--aad-file", StdinSharing.reads($0, nilIsStdin: false))] } ?? [])
    }

    private func perform(_ operation: CipherOperation) throws(CipherCommandError) {
        if password.isGiven || passwordFormat.isGiven { return try PasswordCipher(options: self).run(operation) }
        if AEADCommand.isAEAD(cipher, engine: engine) { return try AEADCommand(options: self).run(operation) }
        if aead.isGiven {
            throw .usage("--aad, --aad-file and --tag-len apply to AEAD ciphers (e.g. 'gcm(aes)'); \(cipher) is not one")
        }
        try checkBeforeWork()
        let preference = try key.enginePreference(engine.preference)
        let transform: CipherTransform
        do {
            transform = try CipherTransform(cipher, engine: preference, options: Self.streamTransformOptions)
        } catch {
            throw .cipher(error)
        }
        defer { transform.release() }

        switch try key.material(input: input) {
        case .kernelKey(let kernelKey):
            do { try transform.setKey(kernelKey) } catch { throw .cipher(error) }
        case .bytes(let secret):
            do { try transform.setKey(secret) } catch { throw .cipher(error) }
        }

        let ivBytes = try parseIV(size: transform.ivSize)
        let padding = try streamPadding(for: transform, algorithm: cipher)
        try stream(operation, through: transform, iv: ivBytes, padding: padding, input: CipherInput(name: input))
    }

    /// `--padding`, or its default for `transform`: PKCS#7 for block modes, none otherwise; PKCS#7 on a mode that
    /// takes any length is a usage error.
    func streamPadding(for transform: CipherTransform, algorithm: String) throws(CipherCommandError) -> Padding {
        let blockMode = transform.blockSize > 1 && transform.properties.requiresBlockMultiple
        let padding = padding ?? (blockMode ? .pkcs7 : .none)
        if padding == .pkcs7 && !blockMode {
            throw .usage("--padding pkcs7 applies to block modes such as ecb and cbc; \(algorithm) takes any length "
                + "(use --padding none)")
        }
        return padding
    }

    /// Streams `input` through the keyed `transform` to `-o` (after `header`, if any) in `--chunk-size` pieces, with
    /// `--progress`; the output is committed only when the whole stream succeeded.
    func stream(
        _ operation: CipherOperation, through transform: CipherTransform, iv: [UInt8], padding: Padding,
        header: [UInt8]? = nil, input: borrowing CipherInput
    ) throws(CipherCommandError) {
        var output = try CipherOutput(path: output)
        if let header {
            try header.withUnsafeBytes { bytes in Result { () throws(CipherCommandError) in try output.write(bytes) } }.get()
        }
        let meter = progress ? Progress(total: input.regularFileSize, label: operation == .encrypt ? "enc" : "dec") : nil
        let stream: CipherStream
        do { stream = try transform.makeStream(operation, iv: iv, padding: padding.cipherPadding) } catch { throw .cipher(error) }
        try CipherStream.pump(stream, chunkSize: chunkSize, from: input, to: output, progress: meter)
        try output.commit()
        meter?.finish()
    }

    /// `--iv` as bytes, checked against the algorithm's IV size.
    func parseIV(size: Int) throws(CipherCommandError) -> [UInt8] {
        guard size > 0 else {
            if iv != nil { throw .usage("\(cipher) takes no IV; remove --iv") }
            return []
        }
        guard let iv else { throw .usage("\(cipher) needs --iv with \(size) bytes (\(2 * size) hex digits)") }
        let bytes = try HexBytes.decode(Array(iv.utf8), what: "--iv")
        guard bytes.count == size else {
            throw .iv("--iv has \(bytes.count) bytes; \(cipher) needs \(size) (\(2 * size) hex digits)")
        }
        return bytes
    }
}
