import Foundation
import Testing

/// One argv element as bytes (a file name that is not UTF-8), or text.
struct ByteArgument: ExpressibleByStringLiteral {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ text: String) { bytes = Array(text.utf8) }
    init(stringLiteral text: String) { bytes = Array(text.utf8) }
}

extension KcryptoProcess {
    /// Runs `kcrypto` with argv given as raw bytes (`posix_spawn` of exactly those bytes), stdin from `stdin`,
    /// in `directory` (through `/bin/sh -c`, which passes the bytes unchanged); stdout and
    /// stderr captured. Killed after `limit` seconds (a safety cap, not a timing assertion).
    static func run(bytes arguments: [ByteArgument], stdin: String = "/dev/null", directory: String? = nil,
                    limit: Double = 120) throws -> Output {
        let scratch = try Scratch()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, scratch.path("stdout"), O_WRONLY | O_CREAT, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, scratch.path("stderr"), O_WRONLY | O_CREAT, 0o600)
        var argv: [[UInt8]] = [Array(executableURL.path.utf8)] + arguments.map(\.bytes)
        var executable = executableURL.path
        if let directory {
            argv = [Array("/bin/sh".utf8), Array("-c".utf8), Array("cd \"$0\" && exec \"$@\"".utf8),
                    Array(directory.utf8)] + argv
            executable = "/bin/sh"
        }
        let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { bytes in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
            p[bytes.count] = 0
            return p
        } + [nil]
        defer { cArgs.forEach { $0?.deallocate() } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, nil, cArgs, environ)
        try #require(rc == 0, "posix_spawn failed: \(rc)")
        let status = wait(pid, limit: limit)
        let stdout = (try? scratch.read("stdout")) ?? []
        let stderr = (try? scratch.read("stderr")) ?? []
        return Output(status: status, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self), stdoutBytes: stdout)
    }
}

extension Scratch {
    /// Every entry in the directory as raw bytes (names that are not UTF-8 included), sorted.
    func rawEntries() -> [[UInt8]] {
        guard let dir = opendir(url.path) else { return [] }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != [0x2e] && name != [0x2e, 0x2e] { names.append(name) }
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The directory's path as bytes followed by `/` and `name`.
    func path(bytes name: [UInt8]) -> [UInt8] { Array(url.path.utf8) + [0x2f] + name }

    /// Writes `contents` to the file whose name is the bytes `name` (`open` on the exact bytes).
    func write(bytes name: [UInt8], _ contents: [UInt8]) throws {
        let fd = path(bytes: name).withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o600) }
        try #require(fd >= 0, "cannot create \(name)")
        defer { close(fd) }
        try #require(Glibc.write(fd, contents, contents.count) == contents.count)
    }

    /// The contents of the file whose name is the bytes `name`, or nil.
    func read(bytes name: [UInt8]) -> [UInt8]? {
        let fd = path(bytes: name).withCString { open($0, O_RDONLY) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out = [UInt8](), chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n <= 0 { return out }
            out += chunk[0..<n]
        }
    }
}

extension Array where Element == UInt8 {
    /// The bytes as a NUL-terminated C string.
    func withCString<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        (self + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) } }
    }
}
