import Foundation
import KernelCipherTestSupport
import Testing

/// `enc`/`dec` through the pipeline (issue 22, target 7): with `--chunk-size 4096` a file of more than two chunks, or
/// a FIFO whose first chunk is full, runs on two threads; a larger chunk size makes the same input run the
/// one-thread loop. Output bytes, messages and exit statuses must be the same either way, and the same as openssl's.
@Suite struct EncPipelineTests {
    static let chunk = 4096
    static let openssl = "/usr/bin/openssl"
    /// Around the chunk boundaries, two and three chunks (where the pipeline starts), and several chunks plus odd.
    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 2 * chunk + 1, 3 * chunk - 1, 3 * chunk,
                        3 * chunk + 1, 7 * chunk + 13, 64 * chunk + 5]
    static let key = "000102030405060708090a0b0c0d0e0f", iv = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

    /// `-c ALG --engine software --key K --iv IV`.
    static func cipherArguments(_ algorithm: String) -> [String] {
        ["-c", algorithm, "--engine", "software", "--key", key, "--iv", iv]
    }

    /// `--chunk-size` that pipelines (4096) or keeps the run on one thread (1 MiB, more than half of every input).
    static func chunkArguments(pipelined: Bool) -> [String] {
        ["--chunk-size", pipelined ? "\(chunk)" : "\(1 << 20)"]
    }

    /// Writes `bytes` into the FIFO at `path` from another thread (its open waits for the reader).
    static func feed(fifo path: String, _ bytes: [UInt8]) -> Thread {
        let thread = Thread {
            let fd = open(path, O_WRONLY)
            guard fd >= 0 else { return }
            var at = 0
            while at < bytes.count {
                let n = bytes[at...].withUnsafeBytes { write(fd, $0.baseAddress, min($0.count, 1000)) }
                if n <= 0 { break }
                at += n
            }
            close(fd)
        }
        thread.start()
        return thread
    }

    @Test("enc is byte-exact with openssl enc around chunk boundaries (file and FIFO input); dec gives the input back",
          arguments: [("cbc(aes)", "aes-128-cbc"), ("ctr(aes)", "aes-128-ctr")])
    func matchesOpenSSL(algorithm: String, opensslName: String) throws {
        let scratch = try Scratch()
        for (index, size) in Self.sizes.enumerated() {
            let plain = randomBytes(size, seed: UInt64(index) + 0x2207)
            let input = try scratch.write("in\(index)", plain)
            let theirs = try KcryptoProcess.spawn(Self.openssl, ["enc", "-\(opensslName)", "-K", Self.key, "-iv", Self.iv,
                                                                 "-in", input])
            try #require(theirs.status == 0, "openssl: \(theirs.stderr)")
            let ours = try KcryptoProcess.run(["enc"] + Self.cipherArguments(algorithm) + Self.chunkArguments(pipelined: true)
                                              + ["-i", input])
            #expect(ours.status == 0 && ours.stdoutBytes == theirs.stdoutBytes, "\(algorithm) size \(size): \(ours.diagnostics)")

            let fifo = scratch.path("fifo\(index)")
            try #require(mkfifo(fifo, 0o600) == 0)
            let feeder = Self.feed(fifo: fifo, plain)
            let piped = try KcryptoProcess.run(["enc"] + Self.cipherArguments(algorithm) + Self.chunkArguments(pipelined: true)
                                               + ["-i", fifo])
            _ = feeder
            #expect(piped.status == 0 && piped.stdoutBytes == theirs.stdoutBytes, "\(algorithm) FIFO size \(size)")

            let sealed = try scratch.write("sealed\(index)", theirs.stdoutBytes)
            let back = try KcryptoProcess.run(["dec"] + Self.cipherArguments(algorithm) + Self.chunkArguments(pipelined: true)
                                              + ["-i", sealed])
            #expect(back.status == 0 && back.stdoutBytes == plain, "\(algorithm) dec size \(size): \(back.diagnostics)")
        }
    }

    @Test("every streamable cipher and --format openssl: pipelined and one-thread runs give the same bytes both ways")
    func pipelinedEqualsSequential() throws {
        let scratch = try Scratch()
        let password = try scratch.write("pw", Array("correct horse\n".utf8))
        var cases = CipherCase.streamable.map { ($0.testDescription, $0.arguments + ["--engine", "software"]) }
        cases.append(("openssl format", ["-c", "aes-256-cbc", "--format", "openssl", "--engine", "software",
                                         "--passwd-file", password, "--salt", "0011223344556677", "--pbkdf-iter", "10"]))
        for (caseIndex, (name, arguments)) in cases.enumerated() {
            let size = [3 * Self.chunk + 1, 9 * Self.chunk, 20 * Self.chunk + 77][caseIndex % 3]
            let plain = randomBytes(size, seed: UInt64(caseIndex))
            let input = try scratch.write("in\(caseIndex)", plain)
            var sealed: [[UInt8]] = []
            for pipelined in [true, false] {
                let out = try KcryptoProcess.run(["enc"] + arguments + Self.chunkArguments(pipelined: pipelined) + ["-i", input])
                #expect(out.status == 0, "\(name): \(out.diagnostics)")
                sealed.append(out.stdoutBytes)
            }
            #expect(sealed[0] == sealed[1], "\(name): enc differs")
            let file = try scratch.write("sealed\(caseIndex)", sealed[0])
            // dec reads an openssl file's salt from the file.
            let decArguments = arguments.firstIndex(of: "--salt").map { arguments[..<$0] + arguments[($0 + 2)...] }
                .map(Array.init) ?? arguments
            for pipelined in [true, false] {
                let out = try KcryptoProcess.run(["dec"] + decArguments + Self.chunkArguments(pipelined: pipelined) + ["-i", file])
                #expect(out.status == 0 && out.stdoutBytes == plain, "\(name): dec")
            }
        }
    }

    /// Runs `arguments` pipelined and on one thread with the same `setup`; expects the same status, stderr and stdout.
    static func sameBothWays(_ arguments: [String], _ setup: SpawnSetup = SpawnSetup()) throws -> KcryptoProcess.Output {
        let pipelined = try KcryptoProcess.run(arguments + chunkArguments(pipelined: true), setup)
        let sequential = try KcryptoProcess.run(arguments + chunkArguments(pipelined: false), setup)
        #expect(pipelined.status == sequential.status, "\(arguments)")
        #expect(pipelined.stderr == sequential.stderr, "\(arguments)")
        #expect(pipelined.stdoutBytes == sequential.stdoutBytes, "\(arguments)")
        return pipelined
    }

    @Test("a full disk (/dev/full, -o and stdout): exit 1, one line naming the target, as on one thread")
    func fullDisk() throws {
        let scratch = try Scratch()
        let input = try scratch.write("in", randomBytes(40 * Self.chunk + 3, seed: 5))
        var out = try Self.sameBothWays(["enc"] + Self.cipherArguments("ctr(aes)") + ["-i", input, "-o", "/dev/full"])
        #expect(out.status == 1)
        #expect(out.diagnostics == "kcrypto: cannot write /dev/full: ENOSPC (No space left on device)\n")
        var setup = SpawnSetup()
        setup.stdout = .path("/dev/full", flags: O_WRONLY)
        out = try Self.sameBothWays(["enc"] + Self.cipherArguments("ctr(aes)") + ["-i", input], setup)
        #expect(out.status == 1)
        #expect(out.diagnostics == "kcrypto: cannot write stdout: ENOSPC (No space left on device)\n")
    }

    @Test("a reader that went away: EPIPE reported with SIGPIPE ignored, killed by SIGPIPE otherwise")
    func closedPipe() throws {
        let scratch = try Scratch()
        let input = try scratch.write("in", randomBytes(40 * Self.chunk + 3, seed: 6))
        for ignored in [true, false] {
            for pipelined in [true, false] {
                let fifo = scratch.path("out-\(ignored)-\(pipelined)")
                try #require(mkfifo(fifo, 0o600) == 0)
                // The reader opens the FIFO (waiting for kcrypto's open) and closes it at once.
                let reader = Thread { close(open(fifo, O_RDONLY)) }
                reader.start()
                var setup = SpawnSetup()
                if ignored { setup.ignored = [SIGPIPE] }
                let out = try KcryptoProcess.run(["enc"] + Self.cipherArguments("ctr(aes)") + ["-i", input, "-o", fifo]
                                                 + Self.chunkArguments(pipelined: pipelined), setup)
                if ignored {
                    #expect(out.status == 1, "pipelined \(pipelined)")
                    #expect(out.diagnostics == "kcrypto: cannot write \(fifo): EPIPE (Broken pipe)\n", "pipelined \(pipelined)")
                } else {
                    #expect(out.status == 128 + SIGPIPE, "pipelined \(pipelined): \(out.diagnostics)")
                }
            }
        }
    }

    @Test("truncated ciphertext and bad padding: the same message, status and released bytes as on one thread")
    func decryptionFailures() throws {
        let scratch = try Scratch()
        let plain = randomBytes(30 * Self.chunk + 100, seed: 8)
        let input = try scratch.write("in", plain)
        let sealed = try KcryptoProcess.run(["enc"] + Self.cipherArguments("cbc(aes)") + ["-i", input])
        try #require(sealed.status == 0)
        let truncated = try scratch.write("truncated", Array(sealed.stdoutBytes.dropLast(5)))
        var out = try Self.sameBothWays(["dec"] + Self.cipherArguments("cbc(aes)") + ["-i", truncated])
        #expect(out.status == 1)
        #expect(out.diagnostics == "kcrypto: ciphertext length \(sealed.stdoutBytes.count - 5) is not a positive "
            + "multiple of the block size 16, as PKCS#7 padding requires\n")

        // A wrong IV decrypts the first block wrongly but the padding right; a corrupted last block breaks it.
        var corrupted = sealed.stdoutBytes
        corrupted[corrupted.count - 1] ^= 0x55
        let bad = try scratch.write("bad", corrupted)
        out = try Self.sameBothWays(["dec"] + Self.cipherArguments("cbc(aes)") + ["-i", bad])
        #expect(out.status == 1)
        #expect(out.diagnostics == "kcrypto: bad decrypt: bad padding (wrong key, IV, or corrupted input)\n")
        // Nothing of the last block was released: at most the plaintext before it.
        #expect(out.stdoutBytes.count <= plain.count - plain.count % 16)
        #expect(Array(plain.prefix(out.stdoutBytes.count)) == out.stdoutBytes)
    }
}
