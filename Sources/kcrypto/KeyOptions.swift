#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KernelCipher

/// The key options every keyed command shares (`enc`, `dec`, `dgst` for MACs): exactly one of `--key`, `--keyfd`,
/// `--key-file`.
struct KeyOptions: ParsableArguments {
    @Option(help: "Key as hex. Visible to other users in the process list (ps, /proc/PID/cmdline): prefer --key-file or --keyfd.")
    var key: String?

    @Option(help: "Read the key as hex text from this open file descriptor (surrounding whitespace ignored).")
    var keyfd: Int32?

    @Option(name: .customLong("key-file"), help: "Read the key as hex text from this file (surrounding whitespace ignored).")
    var keyFile: String?

    /// Whether any key option was given.
    var isGiven: Bool { key != nil || keyfd != nil || keyFile != nil }

    /// Refuses `--keyfd 0` when stdin is the input (`input` nil or `-`), and warns about `--key` on the command line.
    func check(input: String?) throws(CipherCommandError) {
        if keyfd == 0 && (input == nil || input == "-") {
            throw .keySource("--keyfd 0 is stdin, which is also the input; give the input with -i FILE or the key "
                + "on another descriptor")
        }
        if key != nil {
            Console.error("warning: --key is visible to other users in the process list; prefer --key-file or --keyfd")
        }
    }

    /// The key bytes from the one key option given; the caller wipes them (`HexBytes.wipe`) once used.
    /// `input`: the command's input path (nil or `-` for stdin), so a key source that is stdin is refused.
    func load(input: String?) throws(CipherCommandError) -> [UInt8] {
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
            try refuseStdinKey(fd: keyfd, source: "--keyfd \(keyfd)", input: input)
            return try HexBytes.readKey(fd: keyfd, what: "--keyfd \(keyfd)")
        }
        let path = keyFile!
        let shown = Text.argument(path, option: "--key-file")
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw .io(operation: "open key file", path: shown, errno: .current) }
        defer { close(fd) }
        try refuseStdinKey(fd: fd, source: "key file \(shown)", input: input)
        return try HexBytes.readKey(fd: fd, what: "key file \(shown)")
    }

    /// Refuses a key source that is the file stdin is (`fstat` device and inode, e.g. `--key-file /dev/stdin`
    /// or a dup of descriptor 0) when the input is stdin too: the key would consume the input.
    private func refuseStdinKey(fd: CInt, source: String, input: String?) throws(CipherCommandError) {
        guard input == nil || input == "-", !StandardStreams.wasClosed(0) else { return }
        var key = stat(), stdin = stat()
        guard fstat(fd, &key) == 0, fstat(0, &stdin) == 0 else { return }
        let isNull = stdin.st_mode & S_IFMT == S_IFCHR && stdin.st_rdev == 0x103  // /dev/null: nothing to consume
        if fd == 0 || (!isNull && key.st_dev == stdin.st_dev && key.st_ino == stdin.st_ino) {
            throw .keySource("\(source) is stdin, which is also the input; give the input with -i FILE or the key "
                + "on another descriptor")
        }
    }
}
