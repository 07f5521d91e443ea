#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

extension Kcrypto {
    /// `kcrypto dgst`: hash or MAC files like `sha256sum` (and check such lists like `sha256sum -c`).
    struct Dgst: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hash or MAC FILEs or stdin with a kernel hash (like sha256sum / openssl dgst -hmac).",
            discussion: """
                Writes what sha256sum (coreutils) writes, byte for byte: 'HEX  FILE' per file (- or no FILE: \
                stdin), 'HEX *FILE' with -b, 'TAG (FILE) = HEX' with --tag; a name holding a backslash, newline \
                or carriage return has those escaped and the line starts with a backslash. --check LIST verifies \
                such a list (any of these forms, LF or CRLF line ends) like sha256sum -c: 'NAME: OK' / 'NAME: \
                FAILED', the same warnings and exit status. Keyed algorithms (hmac(...), cmac(aes)) need one of \
                --key, --key-file, --keyfd; unkeyed ones refuse a key. stdin is read at most once. Input is \
                streamed in 1 MiB reads (constant memory).
                """
        )

        /// `-b` / `-t` (the last one given wins).
        enum ReadMode: String, EnumerableFlag {
            case binary, text

            static func name(for value: ReadMode) -> NameSpecification {
                [.customShort(value == .binary ? "b" : "t"), .customLong(value.rawValue)]
            }

            static func help(for value: ReadMode) -> ArgumentHelp? {
                value == .binary ? "Write 'HEX *FILE' (binary mode; the bytes read are the same)." : "Write 'HEX  FILE' (the default)."
            }
        }

        @Option(name: [.customShort("c"), .customLong("cipher")], help: "Kernel hash name, e.g. sha256, sha3-512, 'hmac(sha256)', 'cmac(aes)'.")
        var algorithm: String

        @OptionGroup var key: KeyOptions

        @OptionGroup var password: PasswordKeyOptions

        @Option(help: "auto (kernel when AF_ALG serves the algorithm, else software), kernel or software.")
        var engine: EngineOption = .auto

        @Option(help: ArgumentHelp("Verify the checksum list LIST (- for stdin), as sha256sum -c LIST does.", valueName: "LIST"))
        var check: FileName?

        @Flag(help: "Write BSD-style lines: 'SHA256 (FILE) = HEX'.")
        var tag = false

        @Flag(exclusivity: .chooseLast)
        var mode: ReadMode?

        @Flag(name: [.customShort("z"), .customLong("zero")], help: "End each line with NUL, not newline, and do not escape names.")
        var zero = false

        @Flag(exclusivity: .chooseLast)
        var report: CheckReport?

        @Flag(help: "With --check: exit 1 when a line is improperly formatted.")
        var strict = false

        @Flag(name: .customLong("ignore-missing"), help: "With --check: skip listed files that do not exist.")
        var ignoreMissing = false

        @Flag(help: "Show bytes done, rate and ETA per file on stderr (redrawn on a terminal, a line every 10 s otherwise).")
        var progress = false

        @Option(help: ArgumentHelp("Regular files hashed at once (default: the online CPUs); 1 hashes one after another (for "
            + "tests and benchmarks; --progress always does). Output stays in argument (list) order.", valueName: "N"))
        var jobs: Int?

        @Argument(help: "Files to digest; - or none: stdin.")
        var files: [FileName] = []

        /// The option combinations coreutils refuses (with its wording), a FILE beside --check, and stdin named
        /// twice (coreutils would read it twice, the second time as empty).
        func validate() throws {
            if check != nil && !files.isEmpty {
                throw ValidationError("--check LIST reads the file names from LIST; give no FILE with it")
            }
            if tag && mode == .text { throw ValidationError("--tag does not support --text mode") }
            if check != nil {
                if zero { throw ValidationError("the --zero option is not supported when verifying checksums") }
                if tag { throw ValidationError("the --tag option is meaningless when verifying checksums") }
                if mode != nil {
                    throw ValidationError("the --binary and --text options are meaningless when verifying checksums")
                }
            } else {
                let checkOnly = [ignoreMissing ? "ignore-missing" : nil, report.map(\.rawValue), strict ? "strict" : nil]
                if let option = checkOnly.compactMap({ $0 }).first {
                    throw ValidationError("the --\(option) option is meaningful only when verifying checksums")
                }
            }
            if let jobs, !(1...Self.maximumJobs).contains(jobs) {
                throw ValidationError("--jobs \(jobs): give 1 to \(Self.maximumJobs) files at once")
            }
            let readers = files.indices.filter { StdinSharing.reads(files[$0], nilIsStdin: false) }
            if readers.count > 1 {
                throw ValidationError("FILE arguments " + readers.map { String($0 + 1) }.joined(separator: ", ")
                    + " all read stdin, which can be read only once")
            }
        }

        /// The most files `--jobs` hashes at once.
        static let maximumJobs = 256

        /// Files hashed at once: one with `--progress` (a meter per file), else `--jobs` or one per online CPU.
        var effectiveJobs: Int { progress ? 1 : jobs ?? System.cpuCount }

        func run() async throws {
            do {
                if try !perform() { throw ExitCode(1) }
            } catch let error as CipherCommandError {
                throw error.exit()
            }
        }

        /// Digests the FILEs or checks the list; false when any file failed (exit status 1).
        private func perform() throws(CipherCommandError) -> Bool {
            let preference = try key.enginePreference(engine.preference)
            let hash: HashTransform
            do { hash = try HashTransform(algorithm, engine: preference, options: .init(maxInFlight: 1)) } catch {
                throw .cipher(error)
            }
            defer { hash.release() }
            var keyFromStdin = false
            if hash.isKeyed {
                // The input that reads stdin, if any (nil: stdin itself), so that a key on stdin is refused.
                let input = check ?? (files.isEmpty ? nil : files.first { StdinSharing.reads($0, nilIsStdin: false) } ?? files[0])
                try password.check(key: key, input: input)
                if password.isGiven {
                    // kcapi-dgst: the MAC key is PBKDF2 over the password (32 bytes).
                    let derived = try password.kcapiKey(engine: preference, decrypting: false)
                    do { try hash.setKey(derived) } catch { throw .cipher(error) }
                    keyFromStdin = password.passwordFD.map(StdinSharing.reads(descriptor:)) ?? false
                        || password.passwordFile.map { StdinSharing.reads($0, nilIsStdin: false) } ?? false
                    return try digestOrCheck(hash: hash, keyFromStdin: keyFromStdin)
                }
                try key.check(input: input)
                switch try key.material(input: input) {
                case .kernelKey(let kernelKey):
                    do { try hash.setKey(kernelKey) } catch { throw .cipher(error) }
                case .bytes(let secret):
                    do { try hash.setKey(secret) } catch { throw .cipher(error) }
                }
                keyFromStdin = key.keyfd.map(StdinSharing.reads(descriptor:)) ?? false
                    || key.keyFile.map { StdinSharing.reads($0, nilIsStdin: false) } ?? false
            } else if key.isGiven || password.isGiven {
                throw .usage("\(Text.name(algorithm)) is not keyed; remove " + (password.isGiven
                    ? "--passwd, --passwd-file or --passwd-fd"
                    : "--key, --key-file, --keyfd, --key-serial or --key-desc"))
            }
            return try digestOrCheck(hash: hash, keyFromStdin: keyFromStdin)
        }

        /// Digests the FILEs or checks the list with `hash` (keyed already); false when any file failed.
        private func digestOrCheck(hash: HashTransform, keyFromStdin: Bool) throws(CipherCommandError) -> Bool {
            var digester = FileDigester(hash: hash)
            digester.progress = progress
            if let check {
                var verifier = ChecksumVerifier(digester: digester, tag: ChecksumLine.tag(for: algorithm),
                                                jobs: effectiveJobs)
                verifier.report = report
                verifier.strict = strict
                verifier.ignoreMissing = ignoreMissing
                verifier.stdinConsumed = keyFromStdin
                return try verifier.verify(list: check)
            }
            let style = ChecksumLine.Style(tag: tag ? ChecksumLine.tag(for: algorithm) : nil, binary: mode == .binary,
                                           zero: zero)
            var ok = true
            var sequence = DigestSequence<FileName>(digester: digester, jobs: effectiveJobs)
            defer { sequence.close() }
            let report: DigestSequence<FileName>.Report = { (name, result) throws(CipherCommandError) in
                switch result {
                case .success(let digest):
                    try ChecksumMessage.stdout(ChecksumLine.format(digest: digest, name: name.bytes, style: style))
                case .failure(let errno):
                    ChecksumMessage.error(ChecksumQuoting.quoted(name.bytes), errno)
                    ok = false
                case nil:
                    break
                }
            }
            for name in files.isEmpty ? [FileName(literal: "-")] : files {
                try sequence.add(name, digesting: name, report: report)
            }
            try sequence.flush(report: report)
            return ok
        }
    }
}

/// Streams files through a `HashContext` with one reused 1 MiB buffer (allocated at the first file).
struct FileDigester {
    /// Bytes read per `read` loop: the chunk fed to the hash at once.
    static let chunkSize = 1 << 20
    let hash: HashTransform
    /// `--progress`: a `Progress` line per file.
    var progress = false
    private var buffer: [UInt8] = []

    init(hash: HashTransform) { self.hash = hash }

    /// The digest of the file `name` names, byte for byte (`-`: stdin), or the errno of the `open` or `read` that
    /// failed (reported per file, as coreutils does). A failure of the hash itself is thrown.
    mutating func digest(_ name: FileName) throws(CipherCommandError) -> Result<[UInt8], Errno> {
        if name.isStandardStream {
            guard !StandardStreams.wasClosed(0) else { return .failure(Errno(rawValue: EBADF)) }
            return try digest(descriptor: 0, name: name)
        }
        let file: OwnedDescriptor
        do { file = try name.openOwned(O_RDONLY) } catch { return .failure(error) }
        return try digest(descriptor: file.rawValue, name: name)
    }

    /// The digest of what `fd` reads to its end (the caller owns `fd`).
    private mutating func digest(descriptor fd: CInt, name: FileName) throws(CipherCommandError) -> Result<[UInt8], Errno> {
        if buffer.isEmpty { buffer = [UInt8](repeating: 0, count: Self.chunkSize) }
        let context: HashContext
        do { context = try hash.makeContext() } catch { throw .cipher(error) }
        let meter = progress ? Progress(total: Self.regularFileSize(fd), label: name.displayForError) : nil
        defer { meter?.finish() }
        return try buffer.withUnsafeMutableBytes { raw in
            Result { () throws(CipherCommandError) in
                try Self.digest(context, descriptor: fd, buffer: raw, meter: meter, cancelled: nil)
            }
        }.get()
    }

    /// The digest of what `fd` reads to its end, read in `buffer`-sized chunks into `context` (fresh), or the
    /// errno of the failed `read` (ECANCELED once `cancelled` says so, checked between chunks).
    static func digest(_ context: consuming HashContext, descriptor fd: CInt, buffer: UnsafeMutableRawBufferPointer,
                       meter: Progress?, cancelled: (() -> Bool)?) throws(CipherCommandError) -> Result<[UInt8], Errno> {
        var context = context
        while true {
            if let cancelled, cancelled() { return .failure(Errno(rawValue: ECANCELED)) }
            let count: Int
            switch readFully(fd, into: buffer) {
            case .success(let n): count = n
            case .failure(let errno): return .failure(errno)
            }
            do { try context.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count])) } catch {
                throw .cipher(error)
            }
            meter?.advance(by: count)
            if count < buffer.count { break }
        }
        do { return .success(try context.finalize()) } catch { throw .cipher(error) }
    }

    static func regularFileSize(_ fd: CInt) -> Int? {
        guard case .success(let st) = fileStatus(fd), st.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(st.st_size)
    }
}
