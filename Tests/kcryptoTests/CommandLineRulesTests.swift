import Foundation
import KernelCipherTestSupport
import Testing

/// The rules scripts rely on (issue 19, items 6–13): one stdin per run, writable files in read-only directories,
/// usage errors (exit 64, the subcommand's usage), empty paths refused before any work, hex errors that say what
/// is wrong, hex-looking paths never printed, one rule for empty keys.
@Suite struct CommandLineRulesTests {
    static let iv12 = "000102030405060708090a0b"
    static let gcm = ["enc", "-c", "gcm(aes)", "--engine", "software", "--key", CipherCase.key16, "--iv", iv12]

    /// Two inputs from one stdin are refused before anything is read: `--aad-file -` used to take the whole message
    /// as associated data and print the tag of an empty message (exit 0).
    @Test func twoInputsFromOneStdinAreRefused() throws {
        let scratch = try Scratch()
        let message = try scratch.write("m", randomBytes(100, seed: 6))
        let key = try scratch.write("k", Array(CipherCase.key16.utf8))
        let cases: [([String], String)] = [
            (Self.gcm + ["--aad-file", "-"], "the input and --aad-file would both read stdin"),
            (Self.gcm + ["--aad-file", "/dev/stdin"], "the input and --aad-file would both read stdin"),
            (Self.gcm + ["--aad-file", "/proc/self/fd/0"], "the input and --aad-file would both read stdin"),
            (Self.gcm + ["--aad-file", message], "the input and --aad-file would both read stdin"),
            (["enc", "-c", "ctr(aes)", "--key-file", "-", "--iv", CipherCase.iv16], "the input and --key-file would both"),
            (["enc", "-c", "gcm(aes)", "--key-file", "-", "--iv", Self.iv12, "--aad-file", "/dev/stdin", "-i", key],
             "--key-file would both read stdin"),
        ]
        for (arguments, text) in cases {
            let out = try KcryptoProcess.run(arguments, stdin: message)
            #expect(out.status == 64, "\(arguments): \(out.stderr)")
            #expect(out.diagnostics.hasPrefix("kcrypto: \(text)") || out.diagnostics.contains(text), "\(out.stderr)")
            #expect(out.diagnostics.contains("\nUsage: kcrypto enc "), "\(out.stderr)")
            #expect(out.stdout.isEmpty)
        }
        // One reader of stdin is fine: the message from -i, the associated data (or the key) from stdin.
        let aad = try scratch.write("aad", randomBytes(24, seed: 7))
        let reference = try KcryptoProcess.run(Self.gcm + ["--aad-file", aad, "-i", message])
        let fromStdin = try KcryptoProcess.run(Self.gcm + ["--aad-file", "-", "-i", message], stdin: aad)
        #expect(reference.status == 0 && fromStdin.status == 0, "\(fromStdin.stderr)")
        #expect(fromStdin.stdoutBytes == reference.stdoutBytes && reference.stdoutBytes.count == 116)
        let keyFromStdin = try KcryptoProcess.run(["enc", "-c", "gcm(aes)", "--engine", "software", "--key-file", "-",
                                                   "--iv", Self.iv12, "--aad-file", aad, "-i", message], stdin: key)
        #expect(keyFromStdin.stdoutBytes == reference.stdoutBytes, "\(keyFromStdin.stderr)")
    }

    /// A writable file in a directory the user may not write (no temporary file possible) is rewritten in place,
    /// as `openssl enc -out` and `> file` do; it used to fail with "cannot create a temporary file … EACCES".
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func writableFileInReadOnlyDirectory() throws {
        let scratch = try Scratch()
        let plain = try scratch.write("plain", randomBytes(1000, seed: 8))
        try #require(mkdir(scratch.path("rod"), 0o755) == 0)
        let target = try scratch.write("rod/w", [9, 9, 9])
        try #require(chmod(target, 0o666) == 0 && chmod(scratch.path("rod"), 0o555) == 0)
        try #require(chmod(scratch.url.path, 0o755) == 0 && chmod(plain, 0o644) == 0)
        let expected = try KcryptoProcess.run(["enc", "--engine", "software"] + CipherCase.ctr256.arguments + ["-i", plain])
        for command in [["enc", "--engine", "software"] + CipherCase.ctr256.arguments + ["-i", plain],
                        ["rng", "-n", "1000", "--engine", "software"]] {
            let out = try KcryptoProcess.spawn("/usr/bin/setpriv", [
                "--reuid=65534", "--regid=65534", "--clear-groups", KcryptoProcess.executableURL.path,
            ] + command + ["-o", target])
            #expect(out.status == 0, "\(command[0]): \(out.stderr)")
            #expect(try scratch.read("rod/w").count == 1000)
            var st = stat()
            #expect(stat(target, &st) == 0 && st.st_mode & 0o7777 == 0o666 && st.st_uid == 0)
        }
        let again = try KcryptoProcess.spawn("/usr/bin/setpriv", [
            "--reuid=65534", "--regid=65534", "--clear-groups", KcryptoProcess.executableURL.path, "enc",
            "--engine", "software",
        ] + CipherCase.ctr256.arguments + ["-i", plain, "-o", target])
        #expect(again.status == 0)
        #expect(try scratch.read("rod/w") == expected.stdoutBytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("rod")) == ["w"])
        // A new file there still fails, naming the file and the errno (no temporary-file wording).
        let new = try KcryptoProcess.spawn("/usr/bin/setpriv", [
            "--reuid=65534", "--regid=65534", "--clear-groups", KcryptoProcess.executableURL.path, "rng", "-n", "4",
            "--engine", "software", "-o", scratch.path("rod/new"),
        ])
        #expect(new.status == 1)
        #expect(new.stderr == "kcrypto: cannot open \(scratch.path("rod/new")): EACCES (Permission denied)\n")
    }

    /// Usage errors found after parsing exit 64 with the subcommand's usage (they exited 1, or printed the
    /// top-level usage); `rng -n -1` says the value is negative (it said "Missing value for '-n <bytes>'").
    @Test(arguments: [
        (["enc", "-c", "cbc(aes)", "--iv", CipherCase.iv16], "a key is required", "enc"),
        (["rng", "--bytes=-1"], "-n -1: the number of bytes is negative; give 0 or more", "rng"),
        (["rng", "-n", "-1"], "-n -1: the number of bytes is negative; give 0 or more", "rng"),
        (["dgst", "-c", "sha256", "--key-file", "/dev/null"], "sha256 is not keyed", "dgst"),
    ])
    func usageErrorsExit64WithTheSubcommandsUsage(arguments: [String], message: String, command: String) throws {
        let out = try KcryptoProcess.run(arguments)
        #expect(out.status == 64, "\(out.stderr)")
        let lines = out.diagnostics.split(separator: "\n")
        #expect(lines.first?.contains(message) == true, "\(out.stderr)")
        #expect(lines.count == 3 && lines[1].hasPrefix("Usage: kcrypto \(command) "), "\(out.stderr)")
        #expect(out.stdout.isEmpty)
    }

    /// An empty path is refused before any input is read or output written (`rng -n 500000000 -o ''` wrote
    /// 500 MB, then failed "cannot rename to : ENOENT"): here the input never ends, so only an early refusal
    /// returns.
    @Test(arguments: [["-o", ""], ["-i", ""], ["--key-file", ""], ["--aad-file", ""]])
    func emptyPathsAreRefusedFirst(option: [String]) throws {
        let scratch = try Scratch()
        let fifo = scratch.path("in.fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        var setup = SpawnSetup()
        setup.stdin = .path(fifo, flags: O_RDWR)
        setup.directory = scratch.url.path
        let key = option[0] == "--key-file" ? [] : ["--key", CipherCase.key16]
        let out = try KcryptoProcess.run(["enc", "-c", "gcm(aes)", "--engine", "software", "--iv", Self.iv12]
            + key + option, setup, limit: 60)
        #expect(out.status == 64, "\(out.stderr)")
        #expect(out.diagnostics.hasPrefix("kcrypto: \(option[0]): the file name is empty\nUsage: kcrypto enc "),
                "\(out.stderr)")
        #expect(try scratch.entries() == ["in.fifo"])
        let rng = try KcryptoProcess.run(["rng", "-n", "1000", "--engine", "software", "-o", ""], setup, limit: 60)
        #expect(rng.status == 64 && rng.stderr.hasPrefix("kcrypto: -o: the file name is empty\n"), "\(rng.stderr)")
    }

    /// Hex errors name what is wrong and where, counting characters of the text, not the BOM or whitespace as
    /// digits (they all said "odd number of digits (65/33/35)").
    @Test func hexErrorsSayWhatIsWrong() throws {
        let scratch = try Scratch()
        let k = CipherCase.key16
        let cases: [([UInt8], String)] = [
            (Array((k + "\n" + k + "\n").utf8), "key in key file KEY: not valid hex: line 2 follows line 1: the hex must be one line"),
            (Array((k.prefix(16) + " " + k.dropFirst(16)).utf8), "not valid hex: a space at column 17"),
            ([0xef, 0xbb, 0xbf] + Array(k.utf8), "not valid hex: it starts with a UTF-8 byte order mark (EF BB BF)"),
            (Array((k + "\r\n").utf8), ""),
            (Array(k.dropLast().utf8), "not valid hex: odd number of hex digits (31)"),
        ]
        for (text, message) in cases {
            let path = try scratch.write("key", text)
            let out = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--engine", "software", "--key-file", path,
                                              "--iv", CipherCase.iv16])
            if message.isEmpty {
                #expect(out.status == 0, "\(out.stderr)")
            } else {
                #expect(out.status == 1)
                #expect(out.stderr.contains(message.replacingOccurrences(of: "KEY", with: path)), "\(out.stderr)")
            }
        }
        let inline = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--key", k, "--iv", "00 01"])
        #expect(inline.stderr.contains("--iv: not valid hex: a space at column 3"), "\(inline.stderr)")
    }

    /// A path holding 16 or more hex digits in a row is never printed (README), in `list`/`doctor --proc-file`
    /// errors and output and in `--key-file DIR/HEX` errors; they printed it.
    @Test func hexLookingPathsAreNotPrinted() throws {
        let hex = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
        for arguments in [["list", "--proc-file", hex], ["doctor", "--proc-file", hex], ["show", "aes", "--proc-file", hex],
                          ["list", "--proc-file", "snapshots/\(hex).txt"],
                          ["enc", "-c", "ctr(aes)", "--key-file", "keys/\(hex)", "--iv", CipherCase.iv16]] {
            let out = try KcryptoProcess.run(arguments)
            #expect(!out.stderr.contains(hex.prefix(16)) && !out.stdout.contains(hex.prefix(16)), "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains("not shown") || out.stdout.contains("not shown"), "\(arguments): \(out.stderr)")
        }
    }

    /// The empty key is the same in every source (`--key ''`, an empty `--key-file`, an empty `--keyfd`), and
    /// HMAC takes it as `openssl dgst -hmac ''` does; an empty key file used to be refused.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func emptyKeyIsOneRule() throws {
        let scratch = try Scratch()
        let message = try scratch.write("m", randomBytes(300, seed: 13))
        let empty = try scratch.write("empty", [])
        let blank = try scratch.write("blank", Array(" \n".utf8))
        let openssl = try KcryptoProcess.spawn("/usr/bin/openssl", ["dgst", "-sha256", "-hmac", "", message])
        let expected = try #require(openssl.stdout.split(separator: " ").last.map { String($0.prefix(64)) })
        try #require(expected.count == 64, "\(openssl.stdout)")
        var files = [Int32: String]()
        files[3] = empty
        for keys in [["--key", ""], ["--key-file", empty], ["--key-file", blank], ["--keyfd", "3"]] {
            let out = try KcryptoProcess.run(["dgst", "-c", "hmac(sha256)", "--engine", "software"] + keys + [message],
                                             files: files)
            #expect(out.status == 0, "\(keys): \(out.stderr)")
            #expect(out.stdout.hasPrefix(expected), "\(keys): \(out.stdout)")
        }
        // A cipher refuses the empty key by its length, whatever the source.
        for keys in [["--key", ""], ["--key-file", empty]] {
            let out = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--engine", "software", "--iv", CipherCase.iv16]
                + keys + ["-i", message])
            #expect(out.status == 1 && out.diagnostics == "kcrypto: invalid key length 0 bytes; allowed: 16, 24, 32\n",
                    "\(out.stderr)")
        }
    }
}
