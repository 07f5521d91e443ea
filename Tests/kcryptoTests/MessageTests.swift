import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// Sizes and error text (issue 10, items 15–16): huge sizes are refused in one line, errno names come from the C
/// library, names are escaped and shortened, `--proc-file` refuses what is not a regular file.
@Suite struct MessageTests {
    static let proc = { try! Fixtures.write(Fixtures.procCryptoSample) }()

    /// Used to abort (SIGABRT, 134) with "failed to allocate".
    @Test(arguments: [
        (["speed", "-c", "ecb(aes)", "--engine", "software", "--sizes", "1099511627776", "--inflight", "1",
          "--seconds", "0.01", "--repeat", "1"], "--sizes: 1099511627776 is larger than the limit of 268435456 bytes"),
        (["speed", "-c", "ecb(aes)", "--engine", "software", "--sizes", "16777216", "--inflight", "4096",
          "--seconds", "0.01", "--repeat", "1"], "--sizes × --inflight"),
        (["enc", "-c", "ecb(aes)", "--key-file", "/dev/null", "--chunk-size", "68719476736"],
         "--chunk-size must be a positive multiple of 64 of at most 268435456 bytes"),
    ])
    func hugeSizesAreRefused(arguments: [String], message: String) throws {
        let out = try KcryptoProcess.run(arguments)
        // A usage error found by `enc` exits 64 with its usage after the message (`speed` still exits 1).
        let usage = arguments[0] == "enc"
        #expect(out.status == (usage ? 64 : 1), "\(out.stderr)")
        #expect(out.stderr.contains(message), "\(out.stderr)")
        #expect(out.diagnostics.split(separator: "\n").count == (usage ? 3 : 1), "\(out.stderr)")
        #expect(!out.stderr.contains("Fatal error"))
    }

    /// Every errno has its C library name (ENOSPC, EROFS, ELOOP printed as `errno 28` …).
    @Test func errnoNamesComeFromTheCLibrary() {
        #expect(Errno(rawValue: ENOSPC).description == "ENOSPC (No space left on device)")
        #expect(Errno(rawValue: EROFS).name == "EROFS")
        #expect(Errno(rawValue: ELOOP).name == "ELOOP")
        #expect(Errno(rawValue: EAFNOSUPPORT).name == "EAFNOSUPPORT")
        #expect(Errno(rawValue: 529).name == "EIOCBQUEUED")
        #expect(Errno(rawValue: 9999).name == "errno 9999")
    }

    /// End to end: a key file that is a symlink loop reports ELOOP by name.
    @Test func loopingKeyFileSaysELOOP() throws {
        let scratch = try Scratch()
        try #require(symlink("loop", scratch.path("loop")) == 0)
        let out = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--key-file", scratch.path("loop"),
                                          "--iv", CipherCase.iv16])
        #expect(out.status == 1)
        #expect(out.stderr == "kcrypto: cannot open key file \(scratch.path("loop")): ELOOP (Too many levels of symbolic links)\n")
    }

    /// Leading whitespace in a key file is ignored like trailing whitespace.
    @Test func keyFileLeadingWhitespace() throws {
        let scratch = try Scratch()
        try scratch.write("in", randomBytes(50, seed: 2))
        try scratch.write("key", Array((CipherCase.key32).utf8))
        try scratch.write("spaced", Array(" \t\r\n\(CipherCase.key32)\n ".utf8))
        var outputs: [[UInt8]] = []
        for key in ["key", "spaced"] {
            let out = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--key-file", scratch.path(key), "--iv",
                                              CipherCase.iv16, "-i", scratch.path("in"), "-o", scratch.path("out-\(key)")])
            #expect(out.status == 0, "\(out.stderr)")
            outputs.append((try? scratch.read("out-\(key)")) ?? [])
        }
        #expect(outputs[0].count == 50 && outputs[0] == outputs[1])
    }

    /// Control characters in names from the command line or /proc/crypto never reach the terminal raw.
    @Test func controlCharactersAreEscaped() throws {
        let hostile = "cbc\u{1B}]0;owned\u{07}\u{1B}[2J(aes)"
        for arguments in [["show", hostile, "--proc-file", Self.proc], ["has", hostile, "--proc-file", Self.proc],
                          ["enc", "-c", hostile, "--key-file", "/dev/null"],
                          ["enc", "-c", hostile, "--key", "00", "--engine", "software"]] {
            let out = try KcryptoProcess.run(arguments)
            #expect(out.status == 1)
            #expect(!out.stderr.contains("\u{1B}") && !out.stderr.contains("\u{07}"), "\(arguments): \(out.stderr)")
            #expect(out.stderr.contains(#"cbc\e]0;owned\a\e[2J(aes)"#), "\(arguments): \(out.stderr)")
        }
        let file = try Fixtures.write("name : evil\u{1B}[31m\ndriver : evil-\u{08}gen\npriority : 1\ntype : shash\n")
        for arguments in [["list", "--proc-file", file], ["show", "evil\u{1B}[31m", "--proc-file", file]] {
            let out = try KcryptoProcess.run(arguments)
            #expect(out.status == 0, "\(out.stderr)")
            #expect(!out.stdout.contains("\u{1B}") && !out.stdout.contains("\u{08}"), "\(arguments): \(out.stdout)")
            #expect(out.stdout.contains(#"evil\e[31m"#) && out.stdout.contains(#"evil-\bgen"#), "\(out.stdout)")
        }
    }

    /// A 5,000-character name is shortened in errors (the line stays short; the length is said).
    @Test func longNamesAreShortened() throws {
        let long = "cbc(" + String(repeating: "a", count: 5000) + ")"
        for arguments in [["enc", "-c", long, "--key", "00", "--engine", "software"],
                          ["show", long, "--proc-file", Self.proc]] {
            let out = try KcryptoProcess.run(arguments)
            #expect(out.status == 1)
            let line = try #require(out.stderr.split(separator: "\n").last)
            #expect(line.count < 400, "\(line.count) characters")
            #expect(line.contains("… (5005 characters)"), "\(line)")
        }
    }

    /// `--proc-file` on a FIFO with no writer used to block forever; now it is refused at once.
    @Test func procFileRefusesAFIFO() throws {
        let scratch = try Scratch()
        try #require(mkfifo(scratch.path("fifo"), 0o600) == 0)
        for command in [["list"], ["has", "x"], ["show", "x"]] {
            let out = try KcryptoProcess.run(command + ["--proc-file", scratch.path("fifo")], SpawnSetup(), limit: 30)
            #expect(out.status == 2)
            #expect(out.stderr == "kcrypto: cannot read \(scratch.path("fifo")): not a regular file (a FIFO)\n")
        }
        #expect(throws: Errno(rawValue: EINVAL)) { try ProcCrypto.read(path: "/dev/zero") }
    }

    @Test func speedHelpShowsDefaultSizes() throws {
        let out = try KcryptoProcess.run(["speed", "--help"])
        #expect(out.status == 0)
        let text = out.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("(default: 16,256,4096,65536,1048576)"), "\(out.stdout)")
        #expect(text.contains("(default: 1,8,64)"), "\(out.stdout)")
    }
}
