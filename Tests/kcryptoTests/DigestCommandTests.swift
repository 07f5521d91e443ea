import Foundation
import KernelCipherTestSupport
import Testing

/// `kcrypto dgst` against the real `sha256sum` / `sha512sum` / `openssl dgst` on the same files (software engine
/// on the host; `AFALGDigestCommandTests` repeats the comparison through the kernel).
@Suite struct DigestCommandTests {
    /// Files of interesting sizes (0, 1, 1 MiB exactly, > 1 MiB, odd names) in a fresh directory.
    static func makeFiles() throws -> (URL, [String]) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dgst-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var generator = SeededGenerator(state: 42)
        var paths: [String] = []
        for (name, size) in [("empty", 0), ("one", 1), ("exact-mib", 1 << 20), ("big", (1 << 20) * 2 + 333),
                             ("with space", 77), ("back\\slash", 5)] {
            let url = directory.appendingPathComponent(name)
            var words = [UInt64](repeating: 0, count: size / 8 + 1)
            for i in words.indices { words[i] = generator.next() }
            try words.withUnsafeBytes { Data($0.prefix(size)) }.write(to: url)
            paths.append(url.path)
        }
        return (directory, paths)
    }

    static func engineArguments(_ engine: String) -> [String] { ["--engine", engine] }

    /// `kcrypto dgst -c name` over `paths` prints exactly what `tool paths` prints.
    static func compare(_ name: String, tool: String, engine: String) throws {
        let (directory, paths) = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = try KcryptoProcess.run(["dgst", "-c", name] + engineArguments(engine) + paths)
        let theirs = try KcryptoProcess.spawn(tool, paths)
        #expect(ours.status == 0 && theirs.status == 0, "\(ours.stderr)")
        #expect(ours.stdout == theirs.stdout)
        #expect(ours.stderr.isEmpty)
        // stdin (no FILE, and -) prints the name -.
        let viaStdin = try KcryptoProcess.run(["dgst", "-c", name] + engineArguments(engine), stdin: paths[3])
        let toolStdin = try KcryptoProcess.spawn(tool, [], stdin: paths[3])
        #expect(viaStdin.stdout == toolStdin.stdout && viaStdin.stdout.hasSuffix("  -\n"))
    }

    @Test("same output as sha1sum/sha256sum/sha512sum (software)", arguments: [
        ("sha1", "/usr/bin/sha1sum"), ("sha256", "/usr/bin/sha256sum"), ("sha512", "/usr/bin/sha512sum"),
    ])
    func matchesCoreutils(_ name: String, _ tool: String) throws {
        try Self.compare(name, tool: tool, engine: "software")
    }

    /// `openssl dgst -<digest> -hmac KEY` / `-mac cmac` lines `NAME(FILE)= HEX` turned into the hex.
    static func openSSLHex(_ arguments: [String], file: String) throws -> String {
        let out = try KcryptoProcess.spawn("/usr/bin/openssl", ["dgst"] + arguments + [file])
        #expect(out.status == 0, "\(out.stderr)")
        return String(out.stdout.split(separator: " ").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("hmac and cmac equal openssl dgst -hmac / -mac cmac; key from --key, --key-file and --keyfd")
    func macsMatchOpenSSL() throws {
        let (directory, paths) = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("key.hex")
        try Data("  6b6579\n".utf8).write(to: keyFile)
        for path in paths where !path.hasSuffix("big") {
            let expected = try Self.openSSLHex(["-sha256", "-hmac", "key"], file: path)
            for keyArguments in [["--key", "6b6579"], ["--key-file", keyFile.path], ["--keyfd", "3"]] {
                let ours = try KcryptoProcess.run(
                    ["dgst", "-c", "hmac(sha256)", "--engine", "software"] + keyArguments + [path],
                    files: [3: keyFile.path])
                #expect(ours.status == 0, Comment(rawValue: ours.stderr))
                #expect(ours.stdout.drop { $0 == "\\" }.hasPrefix(expected + "  "), "\(path) \(keyArguments)")  // sha256sum escapes "\\" names
            }
            let cmacKey = "2b7e151628aed2a6abf7158809cf4f3c"
            let cmac = try Self.openSSLHex(["-mac", "cmac", "-macopt", "cipher:aes-128-cbc", "-macopt", "hexkey:\(cmacKey)"], file: path)
            let ours = try KcryptoProcess.run(["dgst", "-c", "cmac(aes)", "--engine", "software", "--key", cmacKey, path])
            #expect(ours.stdout.drop { $0 == "\\" }.hasPrefix(cmac + "  "), "cmac \(path)")
        }
    }

    @Test("--check like sha256sum -c: OK/FAILED lines, warnings, exit status")
    func check() throws {
        let (directory, paths) = try Self.makeFiles()
        defer { try? FileManager.default.removeItem(at: directory) }
        let list = directory.appendingPathComponent("list")
        var text = try KcryptoProcess.spawn("/usr/bin/sha256sum", Array(paths.prefix(3))).stdout
        let good = try KcryptoProcess.run(["dgst", "-c", "sha256", "--engine", "software", "--check", list.path])
        #expect(good.status == 1)  // the list does not exist yet
        try Data(text.utf8).write(to: list)
        let ok = try KcryptoProcess.run(["dgst", "-c", "sha256", "--engine", "software", "--check", list.path])
        let okTool = try KcryptoProcess.spawn("/usr/bin/sha256sum", ["-c", list.path])
        #expect(ok.status == 0 && ok.stdout == okTool.stdout && ok.stderr.isEmpty)
        try Data([9]).write(to: URL(fileURLWithPath: paths[1]))  // changes "one"
        let zeros = String(repeating: "0", count: 64)
        text += "not a checksum line\n"
        text += zeros + "  " + directory.path + "/missing\n"
        try Data(text.utf8).write(to: list)
        let bad = try KcryptoProcess.run(["dgst", "-c", "sha256", "--engine", "software", "--check", list.path])
        let badTool = try KcryptoProcess.spawn("/usr/bin/sha256sum", ["-c", list.path])
        #expect(bad.status == 1 && badTool.status == 1)
        #expect(bad.stdout == badTool.stdout)
        let warnings = { (s: String) in s.split(separator: "\n").filter { $0.contains("WARNING") }.map { $0.split(separator: ":", maxSplits: 1)[1] } }
        #expect(warnings(bad.stderr) == warnings(badTool.stderr) && warnings(bad.stderr).count == 3)
    }

    @Test("keyed without a key, unkeyed with a key: usage errors (64, dgst's usage); unknown name")
    func errors() throws {
        let noKey = try KcryptoProcess.run(["dgst", "-c", "hmac(sha256)", "--engine", "software", "/dev/null"])
        #expect(noKey.status == 64 && noKey.stdout.isEmpty)
        #expect(noKey.stderr.hasPrefix("kcrypto: a key is required") && noKey.stderr.contains("Usage: kcrypto dgst"))
        let keyed = try KcryptoProcess.run(["dgst", "-c", "sha256", "--key", "00", "/dev/null"])
        #expect(keyed.status == 64 && keyed.stdout.isEmpty && keyed.diagnostics.contains("sha256 is not keyed"))
        #expect(keyed.diagnostics.contains("Usage: kcrypto dgst"))
        let unknown = try KcryptoProcess.run(["dgst", "-c", "nosuchhash", "--engine", "software"])
        #expect(unknown.status == 1 && unknown.stderr.contains("not found"))
    }
}

/// The same comparisons through the kernel engine (in the VM).
@Suite(.requiresAFALG) struct AFALGDigestCommandTests {
    @Test("kernel engine: same output as sha1sum/sha256sum (sha1 is bindable everywhere, sha256 unless refused)")
    func matchesCoreutils() throws {
        try requireAFALG()
        try DigestCommandTests.compare("sha1", tool: "/usr/bin/sha1sum", engine: "kernel")
        try DigestCommandTests.compare("sha256", tool: "/usr/bin/sha256sum", engine: "auto")
    }
}
