import Foundation
import KernelCipherTestSupport
import Testing

/// `kcrypto dgst` and `dgst --check` against the system's coreutils (`sha256sum` 9.1 and friends), byte for byte:
/// stdout equal, stderr equal after the program name (`sha256sum: ` → `kcrypto: `), exit status equal, over
/// generated file names (every byte 1–255 but `/`, random lengths) in a temporary directory.
@Suite struct DigestCompatibilityTests {
    /// The software engine (the host has no AF_ALG); `AFALGDigestCommandTests` covers the kernel path.
    static let dgst: [[UInt8]] = ["dgst", "--engine", "software", "-c"].map { Array($0.utf8) }

    /// Names that pick every rule, then `count` random ones; no duplicates, no `.`/`..`/`-`.
    static func names(count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = SeededGenerator(state: seed)
        var names: [[UInt8]] = ["a.txt", "with space", "tab\tname", "esc\u{1b}[1m", "bel\u{7}", "ctl\u{11}", "back\\slash",
                                "\\start", "end\\", "new\nline", "cr\rname", "both\n\r\\", " lead", "trail ", "*star",
                                "-dash", "--", "#hash", "it's", "c:l", "\u{301}comb", "é", "SHA256 (x) = y", "p(ar)en",
                                "\u{2028}"].map { Array($0.utf8) }
        names += [[0x6c, 0x61, 0x74, 0xe9, 0x6e], [0xff], [0xe2, 0x80], Array(repeating: 0x61, count: 255)]
        var seen = Set(names)
        while names.count < count + 29 {
            let length = Int(generator.next() % 40) + 1
            var name = [UInt8]()
            for _ in 0..<length {
                var byte: UInt8
                repeat { byte = UInt8(generator.next() % 255 + 1) } while byte == UInt8(ascii: "/")
                name.append(byte)
            }
            if [".", "..", "-"].contains(String(decoding: name, as: UTF8.self)) || !seen.insert(name).inserted { continue }
            names.append(name)
        }
        return names
    }

    /// A directory holding one small file (0–64 random bytes) per name.
    static func populate(_ names: [[UInt8]], seed: UInt64) throws -> ScratchDirectory {
        let directory = try ScratchDirectory()
        var generator = SeededGenerator(state: seed)
        for name in names {
            try directory.write(name, (0..<Int(generator.next() % 65)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        return directory
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// Runs `kcrypto dgst --engine software -c ALGORITHM ours…` and `TOOL theirs…` in `directory`; records an
    /// issue for any difference in stdout, stderr (program name mapped) or status. Returns both runs.
    @discardableResult
    static func compare(_ ours: [[UInt8]], _ theirs: [[UInt8]], algorithm: String = "sha256", tool: String = "sha256sum",
                        in directory: ScratchDirectory, stdin: String? = nil, environment: [String: String] = [:],
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> (ByteProcess.Output, ByteProcess.Output) {
        let kcrypto = try ByteProcess.run(KcryptoProcess.executableURL.path, dgst + [bytes(algorithm)] + ours,
                                          directory: directory.path, stdin: stdin, environment: environment)
        let coreutils = try ByteProcess.run(tool, theirs, directory: directory.path, stdin: stdin, environment: environment)
        let label = String(decoding: Array(theirs.prefix(4).joined(separator: [32])), as: UTF8.self).debugDescription
        let (sameStatus, sameStdout) = (kcrypto.status == coreutils.status, kcrypto.stdout == coreutils.stdout)
        let sameStderr = kcrypto.stderr == coreutils.stderrAs(program: tool)
        #expect(sameStatus, "status \(label)\nkcrypto: \(kcrypto)\n\(tool): \(coreutils)", sourceLocation: sourceLocation)
        #expect(sameStdout, "stdout \(label)\nkcrypto: \(kcrypto)\n\(tool): \(coreutils)", sourceLocation: sourceLocation)
        #expect(sameStderr, "stderr \(label)\nkcrypto: \(kcrypto)\n\(tool): \(coreutils)", sourceLocation: sourceLocation)
        return (kcrypto, coreutils)
    }

    @Test("dgst FILE… writes sha256sum's bytes for every name (plain, --tag, -b, -z), and the lists cross-verify")
    func generatedNames() throws {
        let names = Self.names(count: 150, seed: 1)
        let directory = try Self.populate(names, seed: 2)
        let dashdash = [Self.bytes("--")]
        for options in [[], ["--tag"], ["-b"], ["-z"], ["--tag", "-z"]].map({ $0.map(Self.bytes) }) {
            let (ours, _) = try Self.compare(options + dashdash + names, options + dashdash + names, in: directory)
            #expect(ours.status == 0 && ours.stderr.isEmpty)
        }
        for (list, options) in [("sums", [String]()), ("tagged", ["--tag"])] {
            let written = try ByteProcess.run("sha256sum", options.map(Self.bytes) + dashdash + names, directory: directory.path)
            try directory.write(Self.bytes(list), written.stdout)
            let ourList = try ByteProcess.kcrypto(Self.dgst + [Self.bytes("sha256")] + options.map(Self.bytes) + dashdash + names,
                                                  directory: directory.path)
            try directory.write(Self.bytes("k" + list), ourList.stdout)
            // Each tool verifies the other's list, with the same output.
            let (ours, theirs) = try Self.compare([Self.bytes("--check"), Self.bytes(list)], [Self.bytes("-c"), Self.bytes("k" + list)],
                                                  in: directory)
            #expect(ours.status == 0 && theirs.status == 0 && ours.stdout.count > names.count * 4)
            try Self.compare([Self.bytes("--check"), Self.bytes("k" + list)], [Self.bytes("-c"), Self.bytes(list)], in: directory)
        }
    }

    @Test("--check: OK, FAILED, missing, unreadable, improperly formatted lines, CRLF, for each option")
    func checkOutcomes() throws {
        let names = Self.names(count: 40, seed: 3)
        let directory = try Self.populate(names, seed: 4)
        let written = try ByteProcess.run("sha256sum", [Self.bytes("--")] + names, directory: directory.path)
        var lines = written.stdout.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        lines.removeLast()
        // Change two files, remove two, add a directory entry and lines coreutils rejects.
        try directory.write(names[0], Self.bytes("changed"))
        try directory.write(names[30], Self.bytes("changed too"))
        try directory.remove(names[5])
        try directory.remove(names[31])
        try FileManager.default.createDirectory(atPath: directory.file("subdir"), withIntermediateDirectories: false)
        let hex = String(decoding: lines[1].drop { $0 == 92 }.prefix(64), as: UTF8.self)
        lines += ["\(hex)  subdir", "not a checksum line", "\\\(hex)  a.txt\\", "\\\(hex)  a\\x.txt", "#\(hex)  a.txt", "",
                  "\(hex)0  a.txt", "SHA256 (a.txt) = \(hex)", "SHA256 (a.txt) = \(hex.uppercased())", "\(hex) *a.txt",
                  "\\\(hex)  back\\\\slash", "\\\(hex)  new\\nline", "\\SHA256 (cr\\rname) = \(hex)"].map(Self.bytes)
        let list = Array(lines.joined(separator: [10])) + [10]
        try directory.write(Self.bytes("list"), list)
        try directory.write(Self.bytes("crlf"), Array(lines.map { $0 + [13] }.joined(separator: [10])) + [10])
        try directory.write(Self.bytes("missing-only"), Self.bytes("\(hex)  nothing-here\n"))
        try directory.write(Self.bytes("garbage"), Self.bytes("one\ntwo\n"))
        let optionSets: [[String]] = [[], ["--quiet"], ["--status"], ["--strict"], ["-w"], ["--warn"], ["--ignore-missing"],
                                      ["--strict", "--status"], ["--quiet", "-w"], ["-w", "--status"], ["--status", "-w"],
                                      ["--ignore-missing", "--quiet"], ["--ignore-missing", "--status"]]
        for listName in ["list", "crlf", "missing-only", "garbage", "no-such-list", "subdir"] {
            for options in ["list", "crlf", "missing-only"].contains(listName) ? optionSets : [[], ["--status"], ["-w"], ["--strict"]] {
                let (_, theirs) = try Self.compare(options.map(Self.bytes) + [Self.bytes("--check"), Self.bytes(listName)],
                                                   options.map(Self.bytes) + [Self.bytes("-c"), Self.bytes(listName)],
                                                   in: directory)
                if listName == "list" && options.isEmpty {
                    // The list really holds every outcome (so the comparison above covers them).
                    let (out, err) = (String(decoding: theirs.stdout, as: UTF8.self), String(decoding: theirs.stderr, as: UTF8.self))
                    #expect(out.contains(": OK\n") && out.contains(": FAILED\n") && out.contains(": FAILED open or read\n"))
                    #expect(err.contains("lines are improperly formatted") && err.contains("Is a directory")
                        && err.contains("No such file or directory") && err.contains("checksums did NOT match"))
                }
            }
        }
    }
}
