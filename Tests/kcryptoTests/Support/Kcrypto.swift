import Foundation
import KernelCipherTestSupport
import Testing

/// Runs the built `kcrypto` binary as a subprocess.
enum KcryptoProcess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
        /// stdout as raw bytes (for binary output).
        var stdoutBytes: [UInt8] = []

        /// stderr without the warning every `--key` run prints (checked by KeyHygieneTests).
        var diagnostics: String { stderr.replacingOccurrences(of: KcryptoProcess.keyWarning, with: "") }

        /// stdout parsed as a JSON object.
        func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            return try #require(object as? [String: Any], "stdout is not a JSON object: \(stdout)")
        }
    }

    /// The line `--key` prints on stderr.
    static let keyWarning = "kcrypto: warning: --key is visible to other users in the process list; "
        + "prefer --key-file or --keyfd\n"

    /// `.build/<triple>/debug/kcrypto`, next to the test-support resource bundle (or `$KCRYPTO_PATH`).
    static var executableURL: URL {
        if let path = ProcessInfo.processInfo.environment["KCRYPTO_PATH"] { return URL(fileURLWithPath: path) }
        return Fixtures.buildProductsDirectory.appendingPathComponent("kcrypto")
    }

    /// Runs `kcrypto args…`; stdout/stderr go to temporary files so large output cannot block on a pipe.
    /// stdin is `/dev/null` unless `stdin` names a file; `files` opens more files as descriptors (e.g. 3 → path).
    static func run(_ arguments: [String], stdin: String? = nil, files: [Int32: String] = [:]) throws -> Output {
        let binary = executableURL
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "kcrypto not built at \(binary.path)")
        return try spawn(binary.path, arguments, stdin: stdin, files: files)
    }

    /// Runs any executable (e.g. `/usr/bin/openssl`) the same way.
    static func spawn(_ executable: String, _ arguments: [String], stdin: String? = nil,
                      files: [Int32: String] = [:]) throws -> Output {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kcrypto-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        try #require(FileManager.default.createFile(atPath: outURL.path, contents: nil))
        try #require(FileManager.default.createFile(atPath: errURL.path, contents: nil))
        let pid = try launch(executable, arguments, stdin: stdin ?? "/dev/null", stdout: outURL.path,
                             stderr: errURL.path, files: files)
        let status = wait(pid)
        let stdoutData = try Data(contentsOf: outURL)
        return Output(status: status, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                      stdoutBytes: [UInt8](stdoutData))
    }

    /// Starts `executable` with stdin opened from `stdin` (`stdinFlags`), stdout and stderr written to the given
    /// paths and `files` opened read-only as more descriptors; returns its pid without waiting.
    static func launch(_ executable: String, _ arguments: [String], stdin: String, stdinFlags: Int32 = O_RDONLY,
                       stdout: String, stderr: String, files: [Int32: String] = [:]) throws -> pid_t {
        // posix_spawn + waitpid, not Foundation's Process: inside the test VM Process waits forever after
        // "Could not create wakeup socket pair for CFSocket".
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, stdinFlags, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        for (fd, path) in files { posix_spawn_file_actions_addopen(&actions, fd, path, O_RDONLY, 0) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        try #require(rc == 0, "posix_spawn failed: \(rc)")
        return pid
    }

    /// Waits for `pid` (`waitpid`): its exit status, or 128 + the signal that ended it.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}

/// Hand-written `/proc/crypto` files for the CLI's `--proc-file`.
extension Fixtures {
    /// Writes `text` to a fresh temporary file and returns its path.
    static func write(_ text: String, name: String = "proc-crypto") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).txt")
        try Data(text.utf8).write(to: url)
        return url.path
    }
}
