import Foundation
import KernelCipherTestSupport
import Testing

/// The UTF-8 bytes of `text` (an argument or file content).
private func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The rest of the `sha256sum` class: other algorithms' tools, the C locale, stdin named twice, usage errors,
/// very long lines, MAC lists and `--progress`, each compared with coreutils where coreutils has an answer.
@Suite struct DigestEdgeTests {
    typealias C = DigestCompatibilityTests

    @Test("sha1sum, sha224sum, sha384sum, sha512sum, md5sum, b2sum: same lines, tags and checks; other lengths rejected",
          arguments: [("sha1", "sha1sum"), ("sha224", "sha224sum"), ("sha384", "sha384sum"), ("sha512", "sha512sum"),
                      ("md5", "md5sum"), ("blake2b-512", "b2sum")])
    func otherTools(_ algorithm: String, _ tool: String) throws {
        let names = C.names(count: 10, seed: 5)
        let directory = try C.populate(names, seed: 6)
        let files = [b("--")] + names
        for options in [[], [b("--tag")]] {
            try C.compare(options + files, options + files, algorithm: algorithm, tool: tool, in: directory)
            let list = try ByteProcess.run(tool, options + files, directory: directory.path)
            try directory.write(b("list"), list.stdout)
            try C.compare([b("--check"), b("list")], [b("-c"), b("list")], algorithm: algorithm, tool: tool, in: directory)
        }
        // A list of another length: sha256sum and kcrypto -c sha256 both find no line of theirs.
        let (ours, _) = try C.compare([b("--check"), b("list")], [b("-c"), b("list")], in: directory)
        #expect(ours.status == 1)
    }

    @Test("messages quote names as coreutils does in the C locale too (octal escapes for bytes ≥ 0x80)")
    func cLocale() throws {
        let directory = try ScratchDirectory()
        let names = [b("é"), b("lat\u{e9}n"), [0x6d, 0xe9], b("it's"), b("\u{2028}x"), b("a b")]
        for locale in ["C", "C.UTF-8"] {
            let (ours, _) = try C.compare([b("--")] + names, [b("--")] + names, in: directory, environment: ["LC_ALL": locale])
            #expect(ours.status == 1 && ours.stderr.count > 100)
        }
    }

    @Test("stdin: '-' digests it like sha256sum; '--check -' rejects '-' lines as sha256sum -c - does")
    func stdinLikeCoreutils() throws {
        let directory = try ScratchDirectory()
        try directory.write(b("input"), b("some input\n"))
        try C.compare([b("-")], [b("-")], in: directory, stdin: directory.file("input"))
        try C.compare([], [], in: directory, stdin: directory.file("input"))
        let a = try ByteProcess.run("sha256sum", [b("input")], directory: directory.path).stdout
        try directory.write(b("list"), b("\(String(decoding: a.prefix(64), as: UTF8.self))  -\n") + a)
        let (ours, _) = try C.compare([b("--check"), b("-")], [b("-c"), b("-")], in: directory, stdin: directory.file("list"))
        #expect(ours.status == 0 && String(decoding: ours.stderr, as: UTF8.self).contains("1 line is improperly formatted"))
    }

    @Test("stdin is read at most once: 'dgst - -' is a usage error; a second '-' in a list fails instead of hashing nothing")
    func stdinOnce() throws {
        let directory = try ScratchDirectory()
        try directory.write(b("input"), b("x"))
        let twice = try ByteProcess.kcrypto(C.dgst + [b("sha256"), b("-"), b("-")], directory: directory.path,
                                            stdin: directory.file("input"))
        #expect(twice.status == 64 && twice.stdout.isEmpty)
        #expect(String(decoding: twice.stderr, as: UTF8.self).contains("read stdin, which can be read only once"))
        let x = try ByteProcess.run("sha256sum", [b("input")], directory: directory.path).stdout.prefix(64)
        try directory.write(b("list"), Array(x) + b("  -\n") + Array(x) + b("  -\n"))
        let list = try ByteProcess.kcrypto(C.dgst + [b("sha256"), b("--check"), b("list")], directory: directory.path,
                                           stdin: directory.file("input"))
        #expect(list.status == 1)
        #expect(String(decoding: list.stdout, as: UTF8.self) == "-: OK\n-: FAILED open or read\n")
        #expect(String(decoding: list.stderr, as: UTF8.self) == "kcrypto: -: standard input was already read; it is not "
            + "read a second time\nkcrypto: WARNING: 1 listed file could not be read\n")
    }

    @Test("usage errors exit 64 with dgst's usage (coreutils: 1), with coreutils' wording for its option rules")
    func usageErrors() throws {
        let directory = try ScratchDirectory()
        try directory.write(b("a.txt"), b("a"))
        try directory.write(b("SUMS"), b(""))
        try directory.write(b("k"), b("00112233"))
        let cases: [([String], String)] = [
            (["sha256", "--check", "SUMS", "a.txt"], "give no FILE with it"),
            (["sha256", "--key-file", "k", "a.txt"], "sha256 is not keyed"),
            (["sha256", "--check", "SUMS", "--tag"], "the --tag option is meaningless when verifying checksums"),
            (["sha256", "--check", "SUMS", "-b"], "the --binary and --text options are meaningless when verifying checksums"),
            (["sha256", "--check", "SUMS", "-z"], "the --zero option is not supported when verifying checksums"),
            (["sha256", "--status", "a.txt"], "the --status option is meaningful only when verifying checksums"),
            (["sha256", "-w", "a.txt"], "the --warn option is meaningful only when verifying checksums"),
            (["sha256", "--ignore-missing", "a.txt"], "the --ignore-missing option is meaningful only when verifying checksums"),
            (["sha256", "--strict", "a.txt"], "the --strict option is meaningful only when verifying checksums"),
            (["sha256", "--tag", "-t", "a.txt"], "--tag does not support --text mode"),
        ]
        for (arguments, message) in cases {
            let out = try ByteProcess.kcrypto(C.dgst + arguments.map(b), directory: directory.path)
            let stderr = String(decoding: out.stderr, as: UTF8.self)
            #expect(out.status == 64 && out.stdout.isEmpty, "\(arguments): \(out)")
            #expect(stderr.contains(message) && stderr.contains("Usage: kcrypto dgst"), "\(arguments): \(stderr)")
        }
    }

    @Test("very long lines and names (over NAME_MAX, 200 kB: several read chunks), a last line without LF, names starting with - or \\")
    func longLines() throws {
        let directory = try ScratchDirectory()
        try directory.write(b("-dash"), b("d"))
        try directory.write(b("\\back"), b("b"))
        let sums = try ByteProcess.run("sha256sum", [b("--"), b("-dash"), b("\\back")], directory: directory.path).stdout
        let hex = Array(sums.prefix(64))
        var list = sums
        list += hex + b("  ") + Array(repeating: UInt8(ascii: "n"), count: 300) + [10]
        list += hex + b("  ") + Array(repeating: UInt8(ascii: "m"), count: 200_000) + [10]
        list += Array(repeating: UInt8(ascii: "x"), count: 200_000) + [10]
        list += hex + b("  -dash")  // no LF at the end
        try directory.write(b("list"), list)
        for options in [[], ["--quiet"], ["-w"]] {
            try C.compare(options.map(b) + [b("--check"), b("list")], options.map(b) + [b("-c"), b("list")], in: directory)
        }
    }

    @Test("MAC lists round-trip (HMAC(SHA256) tags); --progress writes only to stderr")
    func macAndProgress() throws {
        let names = C.names(count: 5, seed: 8)
        let directory = try C.populate(names, seed: 9)
        for options in [[], [b("--tag")]] {
            let list = try ByteProcess.kcrypto(C.dgst + [b("hmac(sha256)"), b("--key"), b("6b6579")] + options + [b("--")] + names,
                                               directory: directory.path)
            #expect(list.status == 0)
            try directory.write(b("list"), list.stdout)
            let check = try ByteProcess.kcrypto(C.dgst + [b("hmac(sha256)"), b("--key"), b("6b6579"), b("--check"), b("list")],
                                                directory: directory.path)
            #expect(check.status == 0 && String(decoding: check.stdout, as: UTF8.self).components(separatedBy: ": OK\n").count
                == names.count + 1, "\(check)")
        }
        let (ours, theirs) = (try ByteProcess.kcrypto(C.dgst + [b("sha256"), b("--progress"), b("--")] + names, directory: directory.path),
                              try ByteProcess.run("sha256sum", [b("--")] + names, directory: directory.path))
        #expect(ours.status == 0 && ours.stdout == theirs.stdout)
        #expect(String(decoding: ours.stderr, as: UTF8.self).split(separator: "\n").count == names.count)
    }
}
