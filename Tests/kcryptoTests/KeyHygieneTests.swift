import Foundation
import Testing

/// Key material is never echoed (issue 10, item 14), and `--key` warns that it is visible to other users.
@Suite struct KeyHygieneTests {
    static let key = CipherCase.key32
    static let iv = CipherCase.iv16

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var status: Int32
        var message: String
        var testDescription: String { name }
    }

    static let cases = [
        Case(name: "key given to --keyfd", arguments: ["enc", "-c", "ctr(aes)", "--keyfd", key, "--iv", iv],
             status: 64, message: "Error: The value given for '--keyfd <keyfd>' is not valid"),
        Case(name: "key given as --keyfd=", arguments: ["enc", "-c", "ctr(aes)", "--keyfd=\(key)", "--iv", iv],
             status: 64, message: "Error: The value given for '--keyfd <keyfd>' is not valid"),
        Case(name: "key as a stray argument", arguments: ["enc", "-c", "ctr(aes)", key, "--key-file", "/dev/null"],
             status: 64, message: "Error: Unexpected argument (the 4th on the command line)"),
        Case(name: "key as two stray arguments", arguments: ["enc", "-c", "ctr(aes)", key, "--key-file", "/dev/null", key],
             status: 64, message: "Error: Unexpected arguments (the 4th, 7th on the command line)"),
        Case(name: "key glued to dashes", arguments: ["enc", "-c", "ctr(aes)", "--\(key)", "--key-file", "/dev/null"],
             status: 64, message: "Error: Unknown option (value not shown)"),
        Case(name: "key given to --key-file", arguments: ["enc", "-c", "ctr(aes)", "--key-file", key, "--iv", iv],
             status: 1, message: "kcrypto: cannot open key file (the --key-file argument, not shown: it is all hex "
                 + "digits and may be a key): ENOENT (No such file or directory)"),
        Case(name: "key given to --padding", arguments: ["enc", "-c", "ctr(aes)", "--padding", key, "--key-file", "/dev/null"],
             status: 64, message: "Error: The value given for '--padding <padding>' is not valid"),
        Case(name: "key given to -i", arguments: ["enc", "-c", "ctr(aes)", "--key", key, "--iv", iv, "-i", key],
             status: 1, message: "kcrypto: cannot open (the -i argument, not shown: it is all hex digits and may be "
                 + "a key): ENOENT"),
    ]

    @Test(arguments: cases)
    func valuesAreNotEchoed(c: Case) throws {
        let out = try KcryptoProcess.run(c.arguments)
        #expect(out.status == c.status)
        #expect(out.stderr.contains(c.message), "\(out.stderr)")
        #expect(!out.stderr.contains(Self.key), "key echoed: \(out.stderr)")
        #expect(!out.stderr.contains(Self.key.prefix(16)), "part of the key echoed: \(out.stderr)")
    }

    /// A missing key file whose name is not all hex is still named.
    @Test func ordinaryPathsAreNamed() throws {
        let out = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--key-file", "/nonexistent/key.hex", "--iv", Self.iv])
        #expect(out.status == 1)
        #expect(out.stderr == "kcrypto: cannot open key file /nonexistent/key.hex: ENOENT (No such file or directory)\n")
    }

    /// `--key` works and prints exactly one warning line.
    @Test func keyOptionWarnsOnce() throws {
        let scratch = try Scratch()
        try scratch.write("in", [1, 2, 3])
        let out = try KcryptoProcess.run(["enc", "-c", "ctr(aes)", "--key", Self.key, "--iv", Self.iv,
                                          "-i", scratch.path("in"), "-o", scratch.path("out")])
        #expect(out.status == 0)
        #expect(out.stderr == "kcrypto: warning: --key is visible to other users in the process list; "
            + "prefer --key-file or --keyfd\n")
        #expect(try scratch.read("out").count == 3)
    }

    /// Parse errors in discovery commands also name the option, not the value.
    @Test func discoveryParseErrors() throws {
        let out = try KcryptoProcess.run(["list", "--format", "yaml"])
        #expect(out.status == 64)
        #expect(out.stderr.contains("Error: The value given for '--format <format>' is not valid"), "\(out.stderr)")
        #expect(!out.stderr.contains("'yaml'"))
    }
}
