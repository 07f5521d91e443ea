#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

/// Where a command's key is: bytes this process holds, or a kernel keyring key it only refers to.
enum KeyMaterial {
    /// Key bytes in zeroizing storage (wiped when the last reference goes; no caller-side wipe, which on a copy of an
    /// enum payload would wipe the copy and leave the key).
    case bytes(SecretBytes)
    /// A keyring key (`--key-serial`, `--key-desc`): only the kernel engine can use it.
    case kernelKey(KernelKey)
}

/// The key options every keyed command shares (`enc`, `dec`, `dgst` for MACs): exactly one of `--key`, `--keyfd`,
/// `--key-file`, `--key-serial`, `--key-desc`.
struct KeyOptions: ParsableArguments {
    @Option(help: "Key as hex. Visible to other users in the process list (ps, /proc/PID/cmdline): prefer --key-file or --keyfd.")
    var key: String?

    @Option(help: "Read the key as hex text from this open file descriptor (surrounding whitespace ignored).")
    var keyfd: Int32?

    @Option(name: .customLong("key-file"), help: "Read the key as hex text from this file, - for stdin (surrounding whitespace ignored).")
    var keyFile: FileName?

    @Option(name: .customLong("key-serial"), help: "Use the kernel keyring key with this serial (e.g. from `keyctl padd`); the key bytes never enter this process. Kernel engine only, Linux 6.2+.")
    var keySerial: Int32?

    @Option(name: .customLong("key-desc"), help: ArgumentHelp("Use the kernel keyring key TYPE:DESCRIPTION found in this process's keyrings, e.g. logon:myapp:disk. Kernel engine only, Linux 6.2+.", valueName: "type:description"))
    var keyDesc: String?

    /// Whether any key option was given.
    var isGiven: Bool { key != nil || keyfd != nil || keyFile != nil || isKernelKey }
    /// Whether the key is a kernel keyring key (`--key-serial` or `--key-desc`).
    var isKernelKey: Bool { keySerial != nil || keyDesc != nil }

    /// The engine to allocate on: a keyring key pins the kernel engine (no software fallback: OpenSSL cannot use
    /// a key kept in the kernel), and `--engine software` with one is a usage error.
    func enginePreference(_ requested: EnginePreference) throws(CipherCommandError) -> EnginePreference {
        guard isKernelKey else { return requested }
        if requested == .software {
            throw .usage("--key-serial and --key-desc keep the key in the kernel; --engine software cannot use it")
        }
        return .kernel
    }

    /// Requires exactly one key option, refuses a key source that is stdin when stdin is also the input (`input`
    /// nil or `-`, `/dev/stdin`, …) or another input (`others`: option name and whether it reads stdin), and warns
    /// about `--key` on the command line. Call before any work.
    func check(input: FileName?, others: [(String, Bool)] = []) throws(CipherCommandError) {
        try requireOne()
        if let keyFile, keyFile.isEmpty { throw .usage("--key-file: the file name is empty") }
        var sources = [("the input", StdinSharing.reads(input, nilIsStdin: true))] + others
        if let keyfd { sources.append(("--keyfd \(keyfd)", keyfd >= 0 && StdinSharing.reads(descriptor: keyfd))) }
        if let keyFile { sources.append(("--key-file", StdinSharing.reads(keyFile, nilIsStdin: false))) }
        try StdinSharing.refuseShared(sources)
        if key != nil {
            Console.error("warning: --key is visible to other users in the process list; prefer --key-file or --keyfd")
        }
    }

    /// `check(input:)` for an input given as an encoded argv element (`dgst` FILE).
    func check(input: String?) throws(CipherCommandError) {
        try check(input: input.map(FileName.init(argument:)))
    }

    /// `material(input:)` for an input given as an encoded argv element (`dgst` FILE).
    func material(input: String?) throws(CipherCommandError) -> KeyMaterial {
        try material(input: input.map(FileName.init(argument:)))
    }

    /// The key from the one key option given: a keyring key (looked up now for `--key-desc`) or bytes the caller
    /// wipes. `input`: the command's input (nil or `-` for stdin), so a key source that is stdin is refused.
    func material(input: FileName?) throws(CipherCommandError) -> KeyMaterial {
        try requireOne()
        if let keySerial {
            guard keySerial > 0 else { throw .keySource("--key-serial \(keySerial) is not a key serial") }
            return .kernelKey(KernelKey(serial: keySerial))
        }
        if let keyDesc {
            do { return .kernelKey(try KernelKey.lookup(keyDesc)) } catch { throw .cipher(error) }
        }
        var raw = try load(input: input)
        defer { HexBytes.wipe(&raw) }  // the only reference: wiped in place once copied into zeroizing storage
        return .bytes(SecretBytes(copying: raw))
    }

    /// Exactly one key option (a usage error otherwise).
    private func requireOne() throws(CipherCommandError) {
        let given = [key != nil, keyfd != nil, keyFile != nil, keySerial != nil, keyDesc != nil].filter { $0 }.count
        guard given == 1 else {
            throw .usage(given == 0
                ? "a key is required: --key HEX, --keyfd N, --key-file PATH, --key-serial N or --key-desc TYPE:DESCRIPTION"
                : "give only one of --key, --keyfd, --key-file, --key-serial and --key-desc")
        }
    }

    /// The key bytes from the one key option given; the caller wipes them (`HexBytes.wipe`) once used. Refuses a
    /// keyring key (commands that can use one call `material(input:)`). An empty key (`--key ''`, an empty or
    /// blank key file or descriptor) is the empty key in every source, as `openssl dgst -hmac ''` takes it: the
    /// algorithm decides (HMAC accepts it, AES refuses its length).
    /// `input`: the command's input (nil or `-` for stdin), so a key source that is stdin is refused.
    private func load(input: FileName?) throws(CipherCommandError) -> [UInt8] {
        try requireOne()
        if isKernelKey {
            throw .keySource("this command needs the key bytes; --key-serial and --key-desc keep the key in the kernel")
        }
        if let key {
            var text = Array(key.utf8)
            defer { HexBytes.wipe(&text) }
            return try HexBytes.decode(text, what: "--key")
        }
        if let keyfd {
            guard keyfd >= 0 else { throw .keySource("--keyfd \(keyfd) is not a file descriptor") }
            try refuseStdinKey(fd: keyfd, source: "--keyfd \(keyfd)", input: input)
            return try HexBytes.readKey(fd: keyfd, what: "--keyfd \(keyfd)")
        }
        let path = keyFile!
        if path.isStandardStream {
            try refuseStdinKey(fd: 0, source: "--key-file -", input: input)
            guard !StandardStreams.wasClosed(0) else { throw .refused("--key-file -: stdin is closed") }
            return try HexBytes.readKey(fd: 0, what: "--key-file - (stdin)")
        }
        let shown = path.shown(option: "--key-file")
        let file: OwnedDescriptor
        do { file = try path.openOwned(O_RDONLY) } catch { throw .io(operation: "open key file", path: shown, errno: error) }
        try refuseStdinKey(fd: file.rawValue, source: "key file \(shown)", input: input)
        return try HexBytes.readKey(fd: file.rawValue, what: "key file \(shown)")
    }

    /// Refuses a key source that is the file stdin is (`fstat` device and inode, e.g. `--key-file /dev/stdin`
    /// or a dup of descriptor 0) when the input is stdin too: the key would consume the input.
    private func refuseStdinKey(fd: CInt, source: String, input: FileName?) throws(CipherCommandError) {
        guard StdinSharing.reads(input, nilIsStdin: true), StdinSharing.reads(descriptor: fd) else { return }
        throw .usage("\(source) is stdin, which is also the input; give the input with -i FILE or the key on another "
            + "descriptor")
    }
}
