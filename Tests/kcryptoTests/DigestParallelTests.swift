import Foundation
import KernelCipherTestSupport
import Testing

/// The UTF-8 bytes of `text` (an argument or file content).
private func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// `kcrypto dgst` hashing several files at once (`--jobs`, default the online CPUs): the output is the one
/// `sha256sum` (and `openssl dgst -sha256 -r`) writes, byte for byte, and the one `--jobs 1` writes, whatever the
/// mix of sizes (0, below, at and above the 1 MiB chunk), failures, duplicates, stdin and FIFOs in the middle.
@Suite struct DigestParallelTests {
    typealias C = DigestCompatibilityTests

    /// 20 files: sizes 0, 1, 63, 64, 65, 4 KiB, 1 MiB − 1, 1 MiB, 1 MiB + 1, 2 MiB + 5 and random ones under
    /// 100 KiB (about 5.3 MiB in all), names with bytes that are escaped; a directory, a dangling symlink, a
    /// symlink loop and `stdin` (300 KiB) beside them.
    static func populate(seed: UInt64) throws -> (ScratchDirectory, [[UInt8]]) {
        let directory = try ScratchDirectory("dgst-parallel")
        var generator = SeededGenerator(state: seed)
        var sizes = [0, 1, 63, 64, 65, 4096, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (2 << 20) + 5]
        while sizes.count < 20 { sizes.append(Int(generator.next() % 100_000)) }
        var names: [[UInt8]] = []
        for (i, size) in sizes.enumerated() {
            let name = b(i % 7 == 3 ? "new\nline \(i)" : i % 7 == 5 ? "back\\slash \(i)" : "file \(i)")
            try directory.write(name, (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            names.append(name)
        }
        try directory.write(b("stdin"), (0..<300_000).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        try FileManager.default.createDirectory(atPath: directory.file("dir"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: directory.file("dangling"), withDestinationPath: "nowhere")
        try FileManager.default.createSymbolicLink(atPath: directory.file("loop"), withDestinationPath: "loop")
        return (directory, names)
    }

    /// The FILE arguments: every file, failures among them (missing, a directory, ENOENT and ELOOP symlinks, a
    /// name too long), duplicates of large files and stdin in the middle.
    static func arguments(_ names: [[UInt8]]) -> [[UInt8]] {
        var arguments = Array(names[0..<6]) + [b("missing"), b("dir")] + Array(names[6..<10])
        arguments += [names[9], b("-"), b("dangling"), names[7], b("loop"), Array(repeating: 0x78, count: 300)]
        return arguments + Array(names[10...]) + [b("dir"), names[9], b("missing at the end")]
    }

    @Test("many files, failures, duplicates and stdin among them: sha256sum's bytes for --jobs 1, 2, 5 and the default",
          arguments: [[String](), ["--tag"], ["-b"], ["-z"]])
    func manyFiles(options: [String]) throws {
        let (directory, names) = try Self.populate(seed: 21)
        let arguments = Self.arguments(names)
        var outputs: [ByteProcess.Output] = []
        for jobs in [nil, "1", "2", "5"] {
            let ours = options.map(b) + (jobs.map { [b("--jobs"), b($0)] } ?? []) + [b("--")] + arguments
            let (kcrypto, coreutils) = try C.compare(ours, options.map(b) + [b("--")] + arguments, in: directory,
                                                     stdin: directory.file("stdin"))
            #expect(kcrypto.status == 1 && coreutils.stdout.count > 1000 && !coreutils.stderr.isEmpty)
            outputs.append(kcrypto)
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] })
    }

    @Test("-b writes what openssl dgst -sha256 -r writes for plain names, in argument order")
    func opensslFormat() throws {
        let (directory, names) = try Self.populate(seed: 22)
        let plain = names.filter { !$0.contains(10) && !$0.contains(92) }
        let arguments = plain + [plain[8], plain[0]]
        let kcrypto = try ByteProcess.kcrypto(C.dgst + [b("sha256"), b("-b"), b("--jobs"), b("3")] + arguments,
                                              directory: directory.path)
        let openssl = try ByteProcess.run("openssl", [b("dgst"), b("-sha256"), b("-r")] + arguments, directory: directory.path)
        #expect(kcrypto.status == 0 && openssl.status == 0)
        #expect(kcrypto.stdout == openssl.stdout, "kcrypto: \(kcrypto)\nopenssl: \(openssl)")
    }

    @Test("--check over a list with failures in the middle: sha256sum -c's stdout, stderr and status for each report option")
    func check() throws {
        let (directory, names) = try Self.populate(seed: 23)
        let written = try ByteProcess.run("sha256sum", [b("--")] + names + [b("-")], directory: directory.path,
                                          stdin: directory.file("stdin"))
        var lines = written.stdout.split(separator: 10, omittingEmptySubsequences: false).map(Array.init)
        lines.removeLast()
        try directory.write(names[3], b("changed"))
        try directory.remove(names[8])
        try directory.write(names[12], b("changed too"))
        let hex = String(decoding: lines[0].prefix(64), as: UTF8.self)
        // Failures, a misformatted line, a directory, stdin and a duplicate among the good lines.
        var list = Array(lines[0..<5]) + [b("not a checksum line"), b("\(hex)  dir"), b("\(hex)  missing")]
        list += Array(lines[5..<11]) + [lines[20], lines[9], b("\(hex)  loop"), b("")]
        list += Array(lines[11..<20]) + [b("\(hex)  dangling"), b("\(hex) *\(String(decoding: names[0], as: UTF8.self))")]
        try directory.write(b("list"), Array(list.joined(separator: [10])) + [10])
        var outputs: [[ByteProcess.Output]] = []
        for jobs in [nil, "1", "2", "4"] {
            var runs: [ByteProcess.Output] = []
            for options in [[], ["--quiet"], ["--status"], ["-w"], ["--strict"], ["--ignore-missing"]] {
                let ours = options.map(b) + (jobs.map { [b("--jobs"), b($0)] } ?? []) + [b("--check"), b("list")]
                let (kcrypto, coreutils) = try C.compare(ours, options.map(b) + [b("-c"), b("list")], in: directory,
                                                         stdin: directory.file("stdin"))
                #expect(kcrypto.status == 1 && (options == ["--status"] || !coreutils.stderr.isEmpty))
                runs.append(kcrypto)
            }
            outputs.append(runs)
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] })
        let theirs = try ByteProcess.run("sha256sum", [b("-c"), b("list")], directory: directory.path,
                                         stdin: directory.file("stdin"))
        let out = String(decoding: theirs.stdout, as: UTF8.self)
        #expect(out.contains(": OK\n") && out.contains(": FAILED\n") && out.contains(": FAILED open or read\n")
            && out.contains("-: OK\n"))
    }

    @Test("a FIFO between regular files is read in its place, in FILE arguments and in a --check list")
    func fifo() throws {
        let (directory, names) = try Self.populate(seed: 24)
        #expect(mkfifo(directory.file("fifo"), 0o600) == 0)
        let written = try ByteProcess.run("sha256sum", [b("--"), names[9], b("stdin"), names[2]], directory: directory.path)
        let fifoLine = String(decoding: written.stdout, as: UTF8.self).split(separator: "\n")[1]
            .replacingOccurrences(of: "  stdin", with: "  fifo")
        try directory.write(b("list"), written.stdout + b(fifoLine + "\n") + written.stdout)
        let files = [b("--"), names[9], names[8], b("fifo"), names[7], names[6]]
        for (ours, theirs) in [(files, files), ([b("--check"), b("list")], [b("-c"), b("list")])] {
            let kcrypto = try Self.feedingFIFO(in: directory) {
                try ByteProcess.kcrypto(C.dgst + [b("sha256")] + ours, directory: directory.path)
            }
            let coreutils = try Self.feedingFIFO(in: directory) {
                try ByteProcess.run("sha256sum", theirs, directory: directory.path)
            }
            #expect(kcrypto.status == 0 && coreutils.status == 0 && kcrypto.stdout.count > 60)
            #expect(kcrypto.stdout == coreutils.stdout && kcrypto.stderr == coreutils.stderrAs(program: "sha256sum"),
                    "kcrypto: \(kcrypto)\nsha256sum: \(coreutils)")
        }
    }

    /// Runs `body` while a writer process writes the file `stdin` into the FIFO `fifo` once.
    static func feedingFIFO(in directory: ScratchDirectory, _ body: () throws -> ByteProcess.Output) throws -> ByteProcess.Output {
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat stdin > fifo"]
        writer.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        try writer.run()
        defer {
            // Should the run not have read the FIFO, open it once more (without blocking) so the writer ends.
            while writer.isRunning {
                let fd = open(directory.file("fifo"), O_RDONLY | O_NONBLOCK)
                if fd >= 0 { close(fd) }
                usleep(10_000)
            }
        }
        return try body()
    }
}
