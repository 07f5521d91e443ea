#if canImport(Glibc)
import Glibc
#endif
@_spi(Platform) import KernelCipher
import Synchronization

/// Where the bytes go (README, "Output files and signals"):
/// - stdout for no `-o` or `-o -`;
/// - `/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`: a duplicate of that descriptor; a target that is not a
///   regular file (character device, FIFO) is opened and written directly, every write checked;
/// - a regular file, or a new one, gets a temporary file next to it (after following symlinks, so a link stays a
///   link) that is renamed over it on success and removed on failure or signal. A replaced file keeps its
///   owner, group and permission bits; one without any write bit, or that the real user may not write
///   (`access(W_OK)`), is refused. When the owner cannot be kept (not root), the file is rewritten in place.
struct CipherOutput: ~Copyable {
    let fd: CInt
    /// The target as shown in messages.
    let name: String
    /// Where the temporary file is renamed to, and the temporary file; nil when writing directly.
    private let rename: (target: String, temporary: String)?
    /// Permission bits to give the temporary file before the rename (those of the file it replaces).
    private let mode: mode_t?
    private var committed = false

    init(path: String?) throws(CipherCommandError) {
        guard let path, path != "-" else {
            guard !StandardStreams.wasClosed(1) else { throw .usage("stdout is closed") }
            fd = 1; name = "stdout"; rename = nil; mode = nil
            return
        }
        let shown = Text.argument(path, option: "-o")
        let opened = try Self.open(path, shown: shown)
        fd = opened.fd; name = shown; rename = opened.rename; mode = opened.mode
    }

    private typealias Opened = (fd: CInt, rename: (target: String, temporary: String)?, mode: mode_t?)

    /// Decides how `path` is written (see the type's comment) and opens the descriptor written to.
    private static func open(_ path: String, shown: String) throws(CipherCommandError) -> Opened {
        if let inherited = ownDescriptor(path) {
            // /dev/stdout, /dev/fd/N, /proc/self/fd/N: write through a duplicate of that descriptor, exactly as
            // a shell redirection would (keeps O_APPEND and the offset; never replaces the file behind it).
            guard !StandardStreams.wasClosed(inherited) else {
                throw .usage(inherited == 1 ? "stdout is closed" : "\(shown): descriptor \(inherited) is closed")
            }
            let fd = fcntl(inherited, F_DUPFD_CLOEXEC, 3)
            guard fd >= 0 else { throw .io(operation: "open", path: shown, errno: .current) }
            return (fd, nil, nil)
        }
        var st = stat()
        if stat(path, &st) != 0 {
            guard errno == ENOENT else { throw .io(operation: "open", path: shown, errno: .current) }
            // New file (or a dangling symlink: create the file it names). 0666: the kernel applies the umask
            // (or the directory's default ACL) itself.
            let target = try resolveLinks(path, shown: shown)
            let (fd, temporary) = try createTemporary(for: target, mode: 0o666, shown: shown)
            return (fd, (target, temporary), nil)
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw .io(operation: "write", path: shown, errno: Errno(rawValue: EISDIR))
        default:
            return (try openDirect(path, flags: 0, shown: shown), nil, nil)
        }
        guard st.st_mode & 0o222 != 0 else {
            throw .usage("refusing to overwrite \(shown): read-only (mode 0\(String(st.st_mode & 0o7777, radix: 8)))")
        }
        guard access(path, W_OK) == 0 else {
            throw .usage("refusing to overwrite \(shown): \(Errno.current)")
        }
        let target = try resolveLinks(path, shown: shown)
        var resolved = stat()
        guard lstat(target, &resolved) == 0, resolved.st_dev == st.st_dev, resolved.st_ino == st.st_ino else {
            // A /proc/self/fd/N link onto a deleted or unnamed file: no name to rename onto.
            return (try openDirect(path, flags: O_TRUNC, shown: shown), nil, nil)
        }
        let (fd, temporary) = try createTemporary(for: target, mode: 0o600, shown: shown)
        if (st.st_uid != geteuid() || st.st_gid != getegid()) && fchown(fd, st.st_uid, st.st_gid) != 0 {
            // Not allowed to give the file away (not root): rewrite it in place, as openssl does.
            close(fd)
            unlink(temporary)
            InterruptCleanup.disarm()
            return (try openDirect(path, flags: O_TRUNC, shown: shown), nil, nil)
        }
        return (fd, (target, temporary), st.st_mode & 0o7777)
    }

    /// Writes all of `bytes` (`write(2)`, EINTR retried).
    func write(_ bytes: UnsafeRawBufferPointer) throws(CipherCommandError) {
        if case .failure(let errno) = writeFully(fd, bytes) { throw .io(operation: "write", path: name, errno: errno) }
    }

    /// Makes the output visible: the replaced file's mode (`fchmod`, after `fchown` so set-id bits stay),
    /// `fsync`, `rename` over the target. Direct targets were written already.
    mutating func commit() throws(CipherCommandError) {
        guard let rename else { return }
        if let mode, fchmod(fd, mode) != 0 { throw .io(operation: "set the mode of", path: name, errno: .current) }
        if fsync(fd) != 0 { throw .io(operation: "write", path: name, errno: .current) }
        if Glibc.rename(rename.temporary, rename.target) != 0 {
            throw .io(operation: "rename to", path: name, errno: .current)
        }
        committed = true
        InterruptCleanup.disarm()
    }

    deinit {
        if fd > 2 { close(fd) }
        guard let rename else { return }
        InterruptCleanup.disarm()
        if !committed { unlink(rename.temporary) }
    }

    /// The descriptor number when `path` names one of this process's own descriptors: `/dev/stdout`,
    /// `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` or `/proc/PID/fd/N` with our pid.
    private static func ownDescriptor(_ path: String) -> CInt? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default: break
        }
        for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/\(getpid())/fd/"] where path.hasPrefix(prefix) {
            return CInt(path.dropFirst(prefix.count))
        }
        return nil
    }

    /// `open(path, O_WRONLY | flags)` for a target written directly.
    private static func openDirect(_ path: String, flags: CInt, shown: String) throws(CipherCommandError) -> CInt {
        switch valueOrErrno(retryOnInterrupt: true, { Glibc.open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | flags) }) {
        case .success(let fd): return fd
        case .failure(let errno): throw .io(operation: "open", path: shown, errno: errno)
        }
    }

    /// The path the last component of `path` names after following symlinks (`lstat`, `readlink`), so the
    /// temporary file is created next to the real file and the rename keeps the link.
    private static func resolveLinks(_ path: String, shown: String) throws(CipherCommandError) -> String {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard lstat(current, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n >= 0 else { throw .io(operation: "open", path: shown, errno: .current) }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : directory(of: current) + link
        }
        throw .io(operation: "open", path: shown, errno: Errno(rawValue: ELOOP))
    }

    /// The directory part of `path` with its trailing slash, or "" for a bare name.
    private static func directory(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
    }

    /// Creates `.NAME.kcrypto-XXXXXX` next to `target` (`open(O_CREAT | O_EXCL | O_CLOEXEC)`, random suffix,
    /// `mode` before the umask); returns its descriptor and path. The signal handlers know the name before the
    /// file exists, so no signal can leave it behind.
    private static func createTemporary(for target: String, mode: mode_t, shown: String) throws(CipherCommandError)
        -> (CInt, String)
    {
        let directory = directory(of: target)
        let base = target.lastIndex(of: "/").map { String(target[target.index(after: $0)...]) } ?? target
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var failure = Errno(rawValue: EEXIST)
        for _ in 0..<100 {
            let suffix = String((0..<6).map { _ in letters.randomElement()! })
            let temporary = "\(directory).\(base).kcrypto-\(suffix)"
            InterruptCleanup.arm(removing: temporary)
            switch valueOrErrno(retryOnInterrupt: true, {
                Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, mode)
            }) {
            case .success(let fd): return (fd, temporary)
            case .failure(let errno): failure = errno
            }
            InterruptCleanup.disarm()
            if failure.rawValue != EEXIST { break }
        }
        throw .io(operation: "create a temporary file for", path: shown, errno: failure)
    }
}

/// Removes the temporary output file when SIGHUP, SIGINT, SIGQUIT, SIGPIPE or SIGTERM ends the process before
/// it was renamed into place (`unlink` is async-signal-safe), then dies of the same signal. A signal the
/// process inherited as ignored (`nohup`, background jobs) is left ignored. SIGQUIT replaces the Swift
/// runtime's backtracer, which would print a crash report and let the run continue.
enum InterruptCleanup {
    static let signals = [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM]

    /// Address of the `strdup`ed path the handler unlinks; 0 when disarmed. The string is never freed: a
    /// handler running on another thread may still be reading it.
    private static let path = Atomic<Int>(0)

    /// Arms the handler for `temporary` (installed once with `sigaction`; dispositions found SIG_IGN are kept).
    static func arm(removing temporary: String) {
        _ = installed
        path.store(Int(bitPattern: strdup(temporary)), ordering: .releasing)
    }

    /// Installs the handlers (once, thread-safely: a lazily initialised static).
    private static let installed: Void = {
        for sig in signals {
            var old = sigaction()
            guard sigaction(sig, nil, &old) == 0 else { continue }
            if unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self) {
                continue
            }
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                if let file = UnsafePointer<CChar>(bitPattern: InterruptCleanup.path.load(ordering: .acquiring)) {
                    unlink(file)
                }
                signal(sig, SIG_DFL)
                raise(sig)
            }
            sigemptyset(&action.sa_mask)
            for other in signals { sigaddset(&action.sa_mask, other) }
            action.sa_flags = 0
            sigaction(sig, &action, nil)
        }
    }()

    /// Nothing to remove any more (renamed into place, or removed by the normal path).
    static func disarm() { path.store(0, ordering: .releasing) }
}
