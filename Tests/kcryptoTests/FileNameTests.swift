import Foundation
import KernelCipherTestSupport
@testable import kcrypto
import Testing

/// File names are bytes (issue 19, item 2): argv is encoded reversibly for ArgumentParser and every path option
/// reaches `open(2)` byte for byte.
@Suite struct FileNameTests {
    /// Names that used to be repaired into U+FFFD or split: Latin-1, a lone 0xff, the UTF-8 of an escape scalar
    /// (U+10FF41), a leading combining mark, control bytes, a leading `-`, and random names of bytes 1–255 but `/`.
    static let names: [[UInt8]] = {
        var names: [[UInt8]] = [
            Array("lat".utf8) + [0xe9] + Array("n".utf8), [0x72, 0xff], [0xf4, 0x8f, 0xbd, 0x81, 0x41],
            [0xcc, 0x81] + Array("comb".utf8), [0x01, 0x09, 0x1b, 0x0a, 0x0d, 0x7f, 0x5c], Array("-dash".utf8),
            [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82],
        ]
        var generator = SeededGenerator(state: 19)
        for _ in 0..<24 {
            let length = Int(generator.next() % 40) + 1
            var name = (0..<length).map { _ in UInt8(generator.next() % 255 + 1) }.filter { $0 != 0x2f }
            if name.isEmpty || name == [0x2e] || name == [0x2e, 0x2e] { name = [0x80] }
            names.append(name)
        }
        return names
    }()

    /// `ArgvEncoding` round-trips every byte string, and leaves valid UTF-8 outside the escape range unchanged.
    @Test func encodingRoundTrips() throws {
        for name in Self.names + [Array("plain ascii".utf8), Array("é中😀".utf8)] {
            let encoded = ArgvEncoding.encode(name)
            #expect(ArgvEncoding.decode(encoded) == name, "\(name)")
            #expect(FileName(argument: encoded).bytes == name)
            if let text = String(validating: name, as: UTF8.self),
               !text.unicodeScalars.contains(where: { $0.value >= ArgvEncoding.escapeBase }) {
                #expect(encoded == text)
            }
        }
        #expect(FileName(bytes: []) == nil && FileName(bytes: [0x61, 0, 0x62]) == nil)
        #expect(FileName(argument: "-").isStandardStream && !FileName(argument: "--").isStandardStream)
        #expect(FileName(bytes: [0x61, 0xe9, 0x1b])!.displayForError == "a\\xe9\\e")
    }

    /// `rng -o NAME` creates exactly NAME (it used to create `out\xef\xbf\xbd` for `out\xe9` and exit 0).
    @Test func rngWritesTheNamedFile() throws {
        for name in Self.names {
            let scratch = try Scratch()
            let out = try KcryptoProcess.run(bytes: ["rng", "-n", "16", "--engine", "software", "-o",
                                                     ByteArgument(scratch.path(bytes: name))])
            #expect(out.status == 0, "\(name): \(out.stderr)")
            #expect(scratch.rawEntries() == [name], "\(name)")
            #expect(scratch.read(bytes: name)?.count == 16)
        }
    }

    /// `enc -i NAME --key-file NAME -o NAME` and AEAD `--aad-file NAME`, relative names, in the names' directory:
    /// the same bytes as with plain names, and the output under exactly the name given.
    @Test func everyPathOptionOpensTheExactName() throws {
        let scratch = try Scratch()
        let plain = randomBytes(1000, seed: 19), aad = randomBytes(20, seed: 20)
        try scratch.write("in", plain)
        try scratch.write("key", Array(CipherCase.key16.utf8))
        try scratch.write("aad", aad)
        let iv12 = "000102030405060708090a0b"
        let reference = try KcryptoProcess.run(["enc", "-c", "gcm(aes)", "--engine", "software", "--key-file",
                                                scratch.path("key"), "--iv", iv12, "--aad-file", scratch.path("aad"),
                                                "-i", scratch.path("in")])
        try #require(reference.status == 0, "\(reference.stderr)")
        for (n, name) in Self.names.enumerated() where name.first != 0x2d {
            let input = name + Array(".in".utf8), key = name + Array(".key".utf8)
            let associated = name + Array(".aad".utf8), output = name + Array(".out".utf8)
            try scratch.write(bytes: input, plain)
            try scratch.write(bytes: key, Array(CipherCase.key16.utf8))
            try scratch.write(bytes: associated, aad)
            let out = try KcryptoProcess.run(bytes: [
                "enc", "-c", "gcm(aes)", "--engine", "software", "--key-file", ByteArgument(key), "--iv",
                ByteArgument(iv12), "--aad-file", ByteArgument(associated), "-i", ByteArgument(input), "-o",
                ByteArgument(output),
            ], directory: scratch.url.path)
            #expect(out.status == 0, "\(n) \(name): \(out.stderr)")
            #expect(scratch.read(bytes: output) == reference.stdoutBytes, "\(n) \(name)")
        }
        #expect(!scratch.rawEntries().contains { $0.starts(with: [0x2e]) }, "a temporary file was left")
    }

    /// A missing file is named with its bytes escaped (`\xe9`), not repaired into U+FFFD.
    @Test func missingNamesAreShownEscaped() throws {
        let out = try KcryptoProcess.run(bytes: ["enc", "-c", "ecb(aes)", ByteArgument("--key"), ByteArgument(CipherCase.key16), "-i",
                                                 ByteArgument(Array("/nonexistent/lat".utf8) + [0xe9, 0x6e])])
        #expect(out.status == 1)
        #expect(out.stderr.contains("cannot open /nonexistent/lat\\xe9n: ENOENT"), "\(out.stderr)")
    }
}
