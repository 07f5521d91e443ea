import Foundation
import KernelCipherTestSupport
import Testing

/// Closed and full standard streams (issue 10, items 11–13): diagnostics never trap, stdout writes are checked,
/// closed descriptors are named, and the key cannot share stdin with the input.
@Suite struct StreamTests {
    static let proc = { try! Fixtures.write(Fixtures.procCryptoSample) }()

    /// An error message with stderr closed (`2>&-`) or full (`2>/dev/full`) used to trap (SIGILL, 132).
    @Test(arguments: [SpawnSetup.Stream.closed, .path("/dev/full", flags: O_WRONLY)])
    func diagnosticsNeverTrap(stderr: SpawnSetup.Stream) throws {
        var setup = SpawnSetup()
        setup.stderr = stderr
        for arguments in [["has", "x", "--proc-file", Self.proc], ["show", "x", "--proc-file", Self.proc],
                          ["enc", "-c", "nope", "--key", "00"], ["list", "--proc-file", "/nonexistent"],
                          ["frobnicate"]] {
            let out = try KcryptoProcess.run(arguments, setup)
            #expect([1, 2, 64].contains(out.status), "\(arguments): status \(out.status)")
        }
    }

    /// Every command's stdout goes through a checked writer: a full stdout is an error (exit 1, one line).
    @Test(arguments: [
        ["list", "--proc-file"], ["list", "--format", "json", "--proc-file"], ["show", "cbc(aes)", "--proc-file"],
        ["show", "cbc(aes)", "--format", "json", "--proc-file"], ["has", "cbc(aes)", "--proc-file"],
        ["has", "cbc(aes)", "--format", "json", "--proc-file"], ["doctor", "--proc-file"], ["doctor", "--format", "json", "--proc-file"],
        ["speed", "-c", "ecb(aes)", "--engine", "software", "--sizes", "16", "--inflight", "1", "--seconds", "0.01",
         "--repeat", "1", "--format", "csv", "--proc-file"],
        ["--help", "--proc-file"],
    ])
    func fullStdoutFails(arguments: [String]) throws {
        // speed and --help take no --proc-file: the last word is dropped for them.
        let takesProc = !["speed", "--help"].contains(arguments[0])
        let command = takesProc ? arguments + [Self.proc] : Array(arguments.dropLast())
        var setup = SpawnSetup()
        setup.stdout = .path("/dev/full", flags: O_WRONLY)
        setup.stderr = .path("/dev/null", flags: O_WRONLY)
        let out = try KcryptoProcess.run(command, setup)
        #expect(out.status == 1, "\(command)")
        #expect(out.stderr == "kcrypto: cannot write stdout: ENOSPC (No space left on device)\n", "\(command)")
    }

    /// Closed stdin / stdout (descriptors 0/1 were reused by internal epoll/eventfd descriptors: EINVAL).
    @Test func closedStreamsAreNamed() throws {
        let scratch = try Scratch()
        try scratch.write("in", randomBytes(100, seed: 1))
        var setup = SpawnSetup()
        setup.stdin = .closed
        var out = try KcryptoProcess.run(["enc"] + CipherCase.ctr256.arguments + ["-o", scratch.path("out")], setup)
        #expect(out.status == 1)
        #expect(out.stderr.hasSuffix("kcrypto: stdin is closed\n"), "\(out.stderr)")
        #expect(try scratch.entries() == ["in"])

        setup = SpawnSetup()
        setup.stdout = .closed
        out = try KcryptoProcess.run(["enc"] + CipherCase.ctr256.arguments + ["-i", scratch.path("in")], setup)
        #expect(out.status == 1)
        #expect(out.stderr.hasSuffix("kcrypto: stdout is closed\n"), "\(out.stderr)")

        out = try KcryptoProcess.run(["list", "--proc-file", Self.proc], setup)
        #expect(out.status == 1)
        #expect(out.stderr == "kcrypto: stdout is closed\n")

        // With stdout closed, -o still works, and the output file does not land on descriptor 1.
        out = try KcryptoProcess.run(["enc"] + CipherCase.ctr256.arguments + ["-i", scratch.path("in"),
                                                                               "-o", scratch.path("out")], setup)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try scratch.read("out").count == 100)
    }

    /// `--keyfd 0` with the input on stdin too used to read the key, then encrypt empty input (exit 0).
    @Test func keyFDZeroWithStdinInputIsRefused() throws {
        let scratch = try Scratch()
        try scratch.write("key", Array((CipherCase.key32 + "\n").utf8))
        var setup = SpawnSetup()
        setup.stdin = .path(scratch.path("key"), flags: O_RDONLY)
        let arguments = ["enc", "-c", "ctr(aes)", "--keyfd", "0", "--iv", CipherCase.iv16, "-o", scratch.path("out")]
        for extra in [[], ["-i", "-"]] {
            let out = try KcryptoProcess.run(arguments + extra, setup)
            #expect(out.status == 64)
            #expect(out.stderr.hasPrefix("kcrypto: the input and --keyfd 0 would both read stdin; give all but one of "
                + "them as a file (the input with -i FILE)\nUsage: kcrypto enc "), "\(out.stderr)")
            #expect(try scratch.entries() == ["key"])
        }
        // The same file under another name: /dev/stdin, or descriptor 3 opened on the key file that is stdin.
        for (extra, files, source) in [(["--key-file", "/dev/stdin"], [Int32: SpawnSetup.Stream](), "--key-file"),
                                       (["--keyfd", "3"], [3: SpawnSetup.Stream.path(scratch.path("key"), flags: O_RDONLY)], "--keyfd 3")] {
            var setup = setup
            setup.files = files
            let out = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--iv", CipherCase.iv16, "-o", scratch.path("out")]
                + extra, setup)
            #expect(out.status == 64)
            #expect(out.stderr.hasPrefix("kcrypto: the input and \(source) would both read stdin"), "\(out.stderr)")
            #expect(try scratch.entries() == ["key"])
        }
        // -i FILE with the key on stdin is fine.
        try scratch.write("in", [1, 2, 3])
        let out = try KcryptoProcess.run(arguments + ["-i", scratch.path("in")], setup)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try scratch.read("out").count == 3)
    }
}
