import Foundation
import Testing

/// Runs a program with arguments given as bytes (file names that are not UTF-8 must reach it unchanged, which
/// `[String]` argv cannot carry), in a working directory, and captures stdout and stderr as bytes.
enum ByteProcess {
    struct Output: Equatable, CustomStringConvertible {
        var status: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]

        /// Readable form for test failures (bytes that are not UTF-8 repaired; only for display).
        var description: String {
            "status \(status)\nstdout: \(String(decoding: stdout, as: UTF8.self).debugDescription)\n"
                + "stderr: \(String(decoding: stderr, as: UTF8.self).debugDescription)"
        }

        /// stderr with each line's program-name prefix (`sha256sum: `) replaced by `kcrypto: `, for comparing
        /// coreutils' diagnostics with kcrypto's.
        func stderrAs(program: String) -> [UInt8] {
            let prefix = Array((program + ": ").utf8), ours = Array("kcrypto: ".utf8)
            let lines = stderr.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
                line.starts(with: prefix) ? ours + line.dropFirst(prefix.count) : Array(line)
            }
            return Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        }
    }

    /// Runs `executable arguments…` (a bare name is looked up in PATH and is its argv[0]) in `directory` (via `/bin/sh -c 'cd … && exec …'`: glibc's
    /// `posix_spawn_file_actions_addchdir_np` is not visible to Swift), stdin from the file `stdin`
    /// (`/dev/null` if nil), with `environment` added to this process's environment.
    static func run(_ executable: String, _ arguments: [[UInt8]], directory: String, stdin: String? = nil,
                    environment: [String: String] = [:]) throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("byteprocess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outPath = scratch.appendingPathComponent("stdout").path, errPath = scratch.appendingPathComponent("stderr").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [[UInt8]] = [Array("/bin/sh".utf8), Array("-c".utf8), Array("cd \"$0\" && exec \"$@\"".utf8),
                               Array(directory.utf8), Array(executable.utf8)] + arguments
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { bytes in
            let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, byte) in bytes.enumerated() { pointer[i] = CChar(bitPattern: byte) }
            pointer[bytes.count] = 0
            return pointer
        } + [nil]
        defer { cArgs.forEach { $0?.deallocate() } }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cEnv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgs, cEnv)
        try #require(rc == 0, "posix_spawn failed: \(rc)")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: code, stdout: [UInt8](try Data(contentsOf: URL(fileURLWithPath: outPath))),
                      stderr: [UInt8](try Data(contentsOf: URL(fileURLWithPath: errPath))))
    }

    /// Runs the built `kcrypto` the same way.
    static func kcrypto(_ arguments: [[UInt8]], directory: String, stdin: String? = nil) throws -> Output {
        try run(KcryptoProcess.executableURL.path, arguments, directory: directory, stdin: stdin)
    }
}

/// A fresh temporary directory, removed (with everything in it) when the value goes away.
final class ScratchDirectory {
    let path: String

    init(_ label: String = "dgst") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Creates (or replaces) the file `name` (bytes, relative to the directory) holding `contents`.
    func write(_ name: [UInt8], _ contents: [UInt8]) throws {
        let full = Array(path.utf8) + [UInt8(ascii: "/")] + name
        let terminated = full + [0]
        let fd = terminated.withUnsafeBufferPointer {
            $0.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        }
        try #require(fd >= 0, "cannot create \(String(decoding: name, as: UTF8.self).debugDescription): errno \(errno)")
        defer { close(fd) }
        let written = contents.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        try #require(written == contents.count)
    }

    /// Removes the file `name` (bytes, relative to the directory).
    func remove(_ name: [UInt8]) throws {
        let terminated = Array(path.utf8) + [UInt8(ascii: "/")] + name + [0]
        let rc = terminated.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { unlink($0.baseAddress!) } }
        try #require(rc == 0, "cannot remove \(String(decoding: name, as: UTF8.self).debugDescription): errno \(errno)")
    }

    /// The file `name`'s path as a String (ASCII names only).
    func file(_ name: String) -> String { path + "/" + name }
}
