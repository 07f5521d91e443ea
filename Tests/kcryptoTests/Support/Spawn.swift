import Foundation
import Testing

/// How a child's standard streams, extra descriptors, signals and working directory are set up
/// (`posix_spawn` file actions and attributes).
struct SpawnSetup {
    /// One descriptor of the child.
    enum Stream {
        /// Opened from `path` with `flags` (O_CREAT files get mode 0600).
        case path(String, flags: Int32)
        /// Closed in the child (`2>&-`).
        case closed
    }

    var stdin: Stream = .path("/dev/null", flags: O_RDONLY)
    var stdout: Stream = .path("/dev/null", flags: O_WRONLY)
    var stderr: Stream = .path("/dev/null", flags: O_WRONLY)
    /// More descriptors (e.g. 3 → a FIFO opened O_WRONLY).
    var files: [Int32: Stream] = [:]
    /// Signals the child inherits as ignored (`trap '' SIG` in a shell that then `exec`s), as `nohup` or a
    /// non-interactive shell's background job would leave them.
    var ignored: [Int32] = []
    /// Working directory of the child (`posix_spawn_file_actions_addchdir_np`).
    var directory: String?
}

extension KcryptoProcess {
    /// Starts `kcrypto arguments…` as `setup` says; returns its pid without waiting. Every signal the tests send
    /// starts at its default disposition (`posix_spawnattr_setsigdefault`) unless listed in `setup.ignored`.
    static func launch(_ arguments: [String], _ setup: SpawnSetup) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let streams: [(Int32, SpawnSetup.Stream)] = [(0, setup.stdin), (1, setup.stdout), (2, setup.stderr)]
            + setup.files.sorted { $0.key < $1.key }
        for (fd, stream) in streams {
            switch stream {
            case .path(let path, let flags): posix_spawn_file_actions_addopen(&actions, fd, path, flags, 0o600)
            case .closed: posix_spawn_file_actions_addclose(&actions, fd)
            }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM] { sigaddset(&defaults, sig) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var argv = [executableURL.path] + arguments
        var executable = executableURL.path
        if !setup.ignored.isEmpty || setup.directory != nil {
            // posix_spawn can reset dispositions to default but not set SIG_IGN; a shell's `trap ''` can, and
            // `exec` keeps ignored signals ignored. (glibc's addchdir_np is not visible to Swift: cd there too.)
            let traps = setup.ignored.map { "trap '' \($0); " }.joined()
            let cd = setup.directory.map { "cd '\($0)' && " } ?? ""
            argv = ["/bin/sh", "-c", "\(traps)\(cd)exec \"$0\" \"$@\""] + argv
            executable = "/bin/sh"
        }
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid = pid_t()
        let rc = posix_spawn(&pid, executable, &actions, &attributes, cArgs, environ)
        try #require(rc == 0, "posix_spawn failed: \(rc)")
        return pid
    }

    /// Runs `kcrypto arguments…` to completion with `setup`, capturing stdout and stderr in files unless `setup`
    /// redirects them; a run still going after `limit` seconds is killed (SIGKILL, status 137) so that a
    /// regression that blocks fails the test instead of hanging the suite.
    static func run(_ arguments: [String], _ setup: SpawnSetup, limit: Double = 120) throws -> Output {
        let scratch = try Scratch()
        var setup = setup
        if case .path("/dev/null", _) = setup.stdout { setup.stdout = .path(scratch.path("stdout"), flags: O_WRONLY | O_CREAT) }
        if case .path("/dev/null", _) = setup.stderr { setup.stderr = .path(scratch.path("stderr"), flags: O_WRONLY | O_CREAT) }
        let pid = try launch(arguments, setup)
        let status = wait(pid, limit: limit)
        let stdout = (try? scratch.read("stdout")) ?? []
        let stderr = (try? scratch.read("stderr")) ?? []
        return Output(status: status, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self), stdoutBytes: stdout)
    }

    /// Waits for `pid` at most `limit` seconds (polling `waitpid(WNOHANG)`), then kills it (SIGKILL).
    static func wait(_ pid: pid_t, limit: Double) -> Int32 {
        let deadline = Date().addingTimeInterval(limit)
        var status: Int32 = 0
        while true {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            if rc < 0 && errno != EINTR { return -1 }
            if Date() > deadline {
                kill(pid, SIGKILL)
                return wait(pid)
            }
            usleep(5_000)
        }
    }
}

/// `makedev(major, minor)` for small numbers (glibc's encoding; the macro is not visible to Swift).
func deviceNumber(_ major: UInt64, _ minor: UInt64) -> dev_t { dev_t(major << 8 | minor) }

extension Scratch {
    /// Waits until an entry starting with `prefix` exists (the child created its temporary file), at most
    /// `limit` seconds; returns whether it appeared.
    func waitForEntry(prefix: String, limit: Double = 120) throws -> Bool {
        let deadline = Date().addingTimeInterval(limit)
        while Date() < deadline {
            if try entries().contains(where: { $0.hasPrefix(prefix) }) { return true }
            usleep(5_000)
        }
        return false
    }

    /// `lstat` of `name`.
    func status(_ name: String) -> stat? {
        var st = stat()
        return lstat(path(name), &st) == 0 ? st : nil
    }
}
