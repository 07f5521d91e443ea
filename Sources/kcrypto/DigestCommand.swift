#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto dgst`: hash or MAC files like `sha256sum` (and check such lists like `sha256sum -c`).
    struct Dgst: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hash or MAC FILEs or stdin with a kernel hash (like sha256sum / openssl dgst -hmac).",
            discussion: """
                Prints 'HEX  FILE' per file exactly as sha256sum does (- or no FILE: stdin). Keyed algorithms \
                (hmac(...), cmac(aes)) need one of --key, --key-file, --keyfd; unkeyed ones refuse a key. \
                --check FILE verifies a list in that format ('NAME: OK' / 'NAME: FAILED', exit status 1 if any \
                failed). Input is streamed in 1 MiB reads (constant memory).
                """
        )

        @Option(name: [.customShort("c"), .customLong("cipher")], help: "Kernel hash name, e.g. sha256, sha3-512, 'hmac(sha256)', 'cmac(aes)'.")
        var algorithm: String

        @OptionGroup var key: KeyOptions

        @Option(help: "auto (kernel when AF_ALG serves the algorithm, else software), kernel or software.")
        var engine: EngineOption = .auto

        @Option(help: "Read 'HEX  FILE' lines from this file (- for stdin) and verify each FILE.")
        var check: String?

        @Argument(help: "Files to digest; - or none: stdin.")
        var files: [String] = []

        func run() async throws {
            do {
                try perform()
            } catch let error as CipherCommandError {
                Console.error(error.description)
                throw ExitCode(1)
            }
        }

        private func perform() throws {
            if check != nil && !files.isEmpty { throw CipherCommandError.usage("--check reads the file list from its FILE; give no other FILE") }
            let preference = try key.enginePreference(engine.preference)
            let hash: HashTransform
            do { hash = try HashTransform(algorithm, engine: preference, options: .init(maxInFlight: 1)) } catch {
                throw CipherCommandError.cipher(error)
            }
            defer { hash.release() }
            if hash.isKeyed {
                let stdinUsed = check == "-" || files.isEmpty || files.contains("-") ? nil : files.first
                try key.check(input: stdinUsed)
                switch try key.material(input: stdinUsed) {
                case .kernelKey(let kernelKey):
                    do { try hash.setKey(kernelKey) } catch { throw CipherCommandError.cipher(error) }
                case .bytes(var keyBytes):
                    defer { HexBytes.wipe(&keyBytes) }
                    do { try hash.setKey(keyBytes) } catch { throw CipherCommandError.cipher(error) }
                }
            } else if key.isGiven {
                throw ValidationError("\(Text.name(algorithm)) is not keyed; remove --key, --key-file, --keyfd, --key-serial or --key-desc")
            }
            var digester = FileDigester(hash: hash)
            if let check {
                if try !digester.verify(listAt: check, algorithm: algorithm) { throw ExitCode(1) }
            } else {
                var failed = false
                for file in files.isEmpty ? ["-"] : files {
                    do {
                        let digest = try digester.digest(path: file)
                        try DigestLine.print(hex: digest, name: file)
                    } catch CipherCommandError.io(_, _, let errno) {
                        Console.error("\(Text.argument(file, option: "FILE")): \(errno)")
                        failed = true
                    }
                }
                if failed { throw ExitCode(1) }
            }
        }
    }
}

/// Streams files through a `HashContext` with one reused 1 MiB buffer.
struct FileDigester {
    let hash: HashTransform
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    init(hash: HashTransform) { self.hash = hash }

    /// The lower-case hex digest of the file at `path` (`-`: stdin).
    mutating func digest(path: String) throws(CipherCommandError) -> String {
        let input = try CipherInput(path: path)
        var context: HashContext
        do { context = try hash.makeContext() } catch { throw .cipher(error) }
        while true {
            let count = try buffer.withUnsafeMutableBytes { bytes in
                Result { () throws(CipherCommandError) -> Int in
                    let count = try input.readFull(into: bytes)
                    do throws(KernelCipherError) { try context.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes[0..<count])) } catch {
                        throw .cipher(error)
                    }
                    return count
                }
            }.get()
            if count < buffer.count { break }
        }
        do { return DigestLine.hex(try context.finalize()) } catch { throw .cipher(error) }
    }

    /// `sha256sum -c`: checks every `HEX  NAME` line of the list at `path`; prints `NAME: OK` / `NAME: FAILED`
    /// and sha256sum's warnings; false when anything failed.
    mutating func verify(listAt path: String, algorithm: String) throws -> Bool {
        let text = try DigestLine.readAll(path: path)
        let shownList = path == "-" ? "standard input" : Text.argument(path, option: "--check")
        var (ok, mismatched, unreadable, malformed) = (0, 0, 0, 0)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let (expected, name) = DigestLine.parse(String(line), digestSize: hash.digestSize) else {
                malformed += 1
                continue
            }
            let actual: String
            do { actual = try digest(path: name) } catch CipherCommandError.io(_, _, let errno) {
                Console.error("\(Text.argument(name, option: "FILE")): \(errno)")
                try Console.print("\(DigestLine.shown(name)): FAILED open or read")
                unreadable += 1
                continue
            }
            let matches = actual == expected
            if matches { ok += 1 } else { mismatched += 1 }
            try Console.print("\(DigestLine.shown(name)): \(matches ? "OK" : "FAILED")")
        }
        if ok + mismatched + unreadable == 0 {
            Console.error("\(shownList): no properly formatted \(Text.name(algorithm)) checksum lines found")
            return false
        }
        func plural(_ n: Int, _ one: String, _ many: String) -> String { n == 1 ? one : many }
        if malformed > 0 {
            Console.error("WARNING: \(malformed) \(plural(malformed, "line is", "lines are")) improperly formatted")
        }
        if unreadable > 0 {
            Console.error("WARNING: \(unreadable) listed \(plural(unreadable, "file", "files")) could not be read")
        }
        if mismatched > 0 {
            Console.error("WARNING: \(mismatched) computed \(plural(mismatched, "checksum", "checksums")) did NOT match")
        }
        return mismatched + unreadable == 0
    }
}

/// sha256sum's line format: `HEX  NAME`, with a leading backslash and `\\` / `\n` escapes when the name has a
/// backslash or newline.
enum DigestLine {
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether sha256sum escapes this name (backslash, newline or carriage return in it).
    static func needsEscape(_ name: String) -> Bool { name.contains { $0 == "\\" || $0 == "\n" || $0 == "\r" } }

    /// The name as sha256sum shows it (escaped, without the leading backslash).
    static func shown(_ name: String) -> String {
        guard needsEscape(name) else { return name }
        return name.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n").replacingAll("\r", with: "\\r")
    }

    /// Prints one `HEX  NAME` line.
    static func print(hex: String, name: String) throws(ExitCode) {
        try Console.print((needsEscape(name) ? "\\" : "") + hex + "  " + shown(name))
    }

    /// `(hex, name)` from a `HEX  NAME` or `HEX *NAME` line whose hex has `2 * digestSize` digits, else nil.
    static func parse(_ line: String, digestSize: Int) -> (String, String)? {
        var rest = Substring(line)
        let escaped = rest.hasPrefix("\\")
        if escaped { rest = rest.dropFirst() }
        let hex = rest.prefix(2 * digestSize)
        guard hex.count == 2 * digestSize, hex.allSatisfy(\.isHexDigit) else { return nil }
        rest = rest.dropFirst(hex.count)
        guard rest.hasPrefix("  ") || rest.hasPrefix(" *") else { return nil }
        var name = String(rest.dropFirst(2))
        guard !name.isEmpty else { return nil }
        if escaped { name = unescape(name) }
        return (hex.lowercased(), name)
    }

    private static func unescape(_ name: String) -> String {
        var out = "", pending = false
        for c in name {
            if pending {
                out.append(c == "n" ? "\n" : c == "r" ? "\r" : c)
                pending = false
            } else if c == "\\" { pending = true } else { out.append(c) }
        }
        return out
    }

    /// The whole list file (`-`: stdin), at most 64 MiB.
    static func readAll(path: String) throws(CipherCommandError) -> String {
        let input = try CipherInput(path: path)
        var data = [UInt8](), chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = try chunk.withUnsafeMutableBytes { bytes in
                Result { () throws(CipherCommandError) in try input.readFull(into: bytes) }
            }.get()
            data += chunk[0..<count]
            if data.count > 64 << 20 { throw .usage("checksum list \(input.name) is larger than 64 MiB") }
            if count < chunk.count { break }
        }
        return String(decoding: data, as: UTF8.self)
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation needed).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
