import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// Bad input to `enc`/`dec`: exit 1 and one `kcrypto: …` line on stderr (a usage error: exit 64, that line and the
/// subcommand's usage), nothing on stdout, and no output file (not even the temporary one) left in the output
/// directory.
@Suite struct EncDecErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var message: String
        /// 64 for usage errors (then the subcommand's usage follows the message).
        var status: Int32 = 1
        var testDescription: String { name }
    }

    static let key = CipherCase.key16
    static let iv = CipherCase.iv16
    static let cases = [
        Case(name: "bad hex key", arguments: ["enc", "-c", "cbc(aes)", "--key", "zz" + key.dropFirst(2), "--iv", iv],
             message: "--key: not valid hex: a character that is not a hex digit at column 1"),
        Case(name: "odd hex IV", arguments: ["enc", "-c", "cbc(aes)", "--key", key, "--iv", "abc"],
             message: "--iv: not valid hex: odd number of hex digits (3)"),
        Case(name: "wrong key length", arguments: ["enc", "-c", "cbc(aes)", "--key", String(key.dropLast(2)), "--iv", iv],
             message: "invalid key length 15 bytes; allowed: 16, 24, 32"),
        Case(name: "wrong IV length", arguments: ["enc", "-c", "cbc(aes)", "--key", key, "--iv", "0001020304050607"],
             message: "--iv has 8 bytes; cbc(aes) needs 16 (32 hex digits)"),
        Case(name: "missing IV", arguments: ["dec", "-c", "ctr(aes)", "--key", key],
             message: "ctr(aes) needs --iv with 16 bytes (32 hex digits)", status: 64),
        Case(name: "IV for ecb", arguments: ["enc", "-c", "ecb(aes)", "--key", key, "--iv", iv],
             message: "ecb(aes) takes no IV; remove --iv", status: 64),
        Case(name: "unknown algorithm", arguments: ["enc", "-c", "nope(aes)", "--key", key],
             message: "algorithm 'nope(aes)' not found"),
        Case(name: "no key", arguments: ["enc", "-c", "cbc(aes)", "--iv", iv],
             message: "a key is required: --key HEX, --keyfd N, --key-file PATH, --key-serial N or --key-desc TYPE:DESCRIPTION", status: 64),
        Case(name: "two keys", arguments: ["enc", "-c", "cbc(aes)", "--key", key, "--key-file", "/dev/null", "--iv", iv],
             message: "give only one of --key, --keyfd, --key-file, --key-serial and --key-desc", status: 64),
        Case(name: "missing key file", arguments: ["enc", "-c", "cbc(aes)", "--key-file", "/nonexistent/k", "--iv", iv],
             message: "cannot open key file /nonexistent/k: ENOENT"),
        Case(name: "empty key file", arguments: ["enc", "-c", "cbc(aes)", "--key-file", "/dev/null", "--iv", iv],
             message: "invalid key length 0 bytes; allowed: 16, 24, 32"),
        Case(name: "closed key fd", arguments: ["enc", "-c", "cbc(aes)", "--keyfd", "987", "--iv", iv],
             message: "cannot read key from --keyfd 987: EBADF"),
        Case(name: "pkcs7 on a stream mode", arguments: ["enc", "-c", "ctr(aes)", "--key", key, "--iv", iv, "--padding", "pkcs7"],
             message: "--padding pkcs7 applies to block modes such as ecb and cbc", status: 64),
        Case(name: "chunk size", arguments: ["enc", "-c", "ecb(aes)", "--key", key, "--chunk-size", "100"],
             message: "--chunk-size must be a positive multiple of 64", status: 64),
    ]

    /// Runs `arguments -i <in> -o <out>` with a 17-byte input, checks the failure shape and returns stderr.
    @discardableResult
    static func expectFailure(_ arguments: [String], input: [UInt8] = randomBytes(17, seed: 9), inputPath: String? = nil,
                              message: String, status: Int32 = 1, scratch: Scratch? = nil) throws -> String {
        let scratch = try scratch ?? Scratch()
        let before = try scratch.entries()
        let inPath = try inputPath ?? scratch.write("in", input)
        let expectedEntries = try inputPath == nil ? Set(before + ["in"]).sorted() : scratch.entries()
        let out = try KcryptoProcess.run(arguments + ["-i", inPath, "-o", scratch.path("out")])
        #expect(out.status == status)
        #expect(out.stdout.isEmpty)
        #expect(out.diagnostics.hasPrefix("kcrypto: "))
        let lines = out.diagnostics.split(separator: "\n")
        #expect(lines.first?.contains(message) == true, "stderr: \(out.stderr)")
        if status == 64 {
            #expect(lines.count == 3 && lines[1].hasPrefix("Usage: kcrypto \(arguments[0]) "), "stderr: \(out.stderr)")
        } else {
            #expect(lines.count == 1, "stderr: \(out.stderr)")
        }
        #expect(!out.stderr.contains("Fatal error"))
        let after = try scratch.entries()
        #expect(after == expectedEntries, "leftover output")
        return out.stderr
    }

    @Test(arguments: cases)
    func badArguments(c: Case) throws {
        let stderr = try Self.expectFailure(c.arguments, message: c.message, status: c.status)
        #expect(!stderr.contains(Self.key.dropFirst(2)), "key bytes echoed")
    }

    @Test func blockModesWithoutPaddingNeedWholeBlocks() throws {
        try Self.expectFailure(["enc", "-c", "cbc(aes)", "--key", Self.key, "--iv", Self.iv, "--padding", "none"],
                               message: "input length 17 is not a multiple of the block size 16 (--padding none); use --padding pkcs7")
        try Self.expectFailure(["dec", "-c", "ecb(aes)", "--key", Self.key, "--padding", "none"],
                               message: "input length 17 is not a multiple of the block size 16 (--padding none)")
        try Self.expectFailure(["dec", "-c", "cbc(aes)", "--key", Self.key, "--iv", Self.iv],
                               message: "ciphertext length 17 is not a positive multiple of the block size 16")
        try Self.expectFailure(["dec", "-c", "cbc(aes)", "--key", Self.key, "--iv", Self.iv], input: [],
                               message: "ciphertext length 0 is not a positive multiple of the block size 16")
    }

    /// Ciphertexts whose decrypted last block has one wrong padding byte, a zero or an oversized pad length
    /// fail with the same generic message; a multi-request input leaves no partial output behind either.
    @Test func badPaddingIsGenericAndLeavesNoOutput() throws {
        let scratch = try Scratch()
        let tails: [[UInt8]] = [[0x04, 0x04, 0x03, 0x04], [0x03, 0x03, 0x02, 0x03], [0x01, 0x02, 0x03, 0x00],
                                [0x11, 0x11, 0x11, 0x11]]
        for (n, tail) in tails.enumerated() {
            let plain = randomBytes(1020, seed: UInt64(n)) + tail
            try scratch.write("p\(n)", plain)
            _ = try runCipher("enc", .cbc128, in: scratch, input: "p\(n)", output: "c\(n)", extra: ["--padding", "none"])
            try Self.expectFailure(["dec"] + CipherCase.cbc128.arguments + ["--chunk-size", "64"],
                                   inputPath: scratch.path("c\(n)"),
                                   message: "bad decrypt: bad padding (wrong key, IV, or corrupted input)", scratch: scratch)
        }
    }

    @Test func unreadableInput() throws {
        try Self.expectFailure(["enc", "-c", "ecb(aes)", "--key", Self.key], inputPath: "/nonexistent/in",
                               message: "cannot open /nonexistent/in: ENOENT (No such file or directory)")
        let scratch = try Scratch()
        try FileManager.default.createDirectory(atPath: scratch.path("dir"), withIntermediateDirectories: false)
        try Self.expectFailure(["enc", "-c", "ecb(aes)", "--key", Self.key], inputPath: scratch.path("dir"),
                               message: "cannot read \(scratch.path("dir")): EISDIR", scratch: scratch)
    }

    @Test func wholeMessageModesRefuseWhatOneRequestCannotTake() throws {
        try Self.expectFailure(["enc"] + CipherCase.xts128.arguments, input: [1],
                               message: "input length 1 is shorter than the minimum 16")
        // A sparse file one block over the 16 MiB limit for modes whose IV cannot be chained.
        let scratch = try Scratch()
        let path = scratch.path("big")
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, off_t((16 << 20) + 16)) == 0)
        try Self.expectFailure(["enc"] + CipherCase.xts128.arguments + ["--engine", "software"], inputPath: path,
                               message: "xts(aes) is processed as one request", scratch: scratch)
    }

    @Test(.enabled(if: !AFALGAvailability.current.isAvailable, "AF_ALG is available here"))
    func kernelEngineWithoutAFALG() throws {
        try Self.expectFailure(["enc", "--engine", "kernel"] + CipherCase.cbc128.arguments,
                               message: "AF_ALG unavailable: socket(AF_ALG) failed")
    }

    @Test func missingCipherIsAUsageError() throws {
        let out = try KcryptoProcess.run(["enc", "--key", Self.key])
        #expect(out.status == 64)
        #expect(out.stderr.contains("Missing expected argument '--cipher <cipher>'"))
    }
}
