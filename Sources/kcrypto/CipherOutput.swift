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
    /// The opened file (closed with this value, after a failed run's temporary file is removed); nil for stdout.
    private let owned: OwnedDescriptor?
    /// The target as shown in messages.
    let name: String
    /// Where the temporary file is renamed to, and the temporary file; nil when writing directly.
    private let rename: (target: FileName, temporary: FileName)?
    /// Permission bits to give the temporary file before the rename (those of the file it replaces).
    private let mode: mode_t?
    private var committed = false

    /// Opens stdout for nil or `-`, else the file `path` names (byte for byte).
    init(path: FileName?) throws(CipherCommandError) {
        guard let path, !path.isStandardStream else {
            guard !StandardStreams.wasClosed(1) else { throw .refused("stdout is closed") }
            fd = 1; name = "stdout"; rename = nil; mode = nil; owned = nil
            return
        }
        guard !path.isEmpty else { throw .usage("-o: the file name is empty") }
        let shown = path.shown(option: "-o")
        let opened = try Self.open(path, shown: shown)
        fd = opened.descriptor.rawValue; name = shown; rename = opened.rename; mode = opened.mode
        owned = .some(opened.descriptor)
    }

    /// The descriptor written to, and how the output is made visible.
    private struct Opened: ~Copyable {
        var descriptor: OwnedDescriptor
        var rename: (target: FileName, temporary: FileName)? = nil
        var mode: mode_t? = nil
    }

    /// A temporary file created next to the target.
    private struct Temporary: ~Copyable {
        var descriptor: OwnedDescriptor
        var name: FileName
    }

    /// Decides how `path` is written (see the type's comment) and opens the descriptor written to.
    private static func open(_ path: FileName, shown: String) throws(CipherCommandError) -> Opened {
        if let inherited = ownDescriptor(path) {
            // /dev/stdout, /dev/fd/N, /proc/self/fd/N: write through a duplicate of that descriptor, exactly as
            // a shell redirection would (keeps O_APPEND and the offset; never replaces the file behind it).
            guard !StandardStreams.wasClosed(inherited) else {
                throw .refused(inherited == 1 ? "stdout is closed" : "\(shown): descriptor \(inherited) is closed")
            }
            let fd = fcntl(inherited, F_DUPFD_CLOEXEC, 3)
            guard fd >= 0 else { throw .io(operation: "open", path: shown, errno: .current) }
            return Opened(descriptor: OwnedDescriptor(adopting: fd))
        }
        var st = stat()
        if case .failure(let errno) = path.stat(&st) {
            guard errno.rawValue == ENOENT else { throw .io(operation: "open", path: shown, errno: errno) }
            // New file (or a dangling symlink: create the file it names). 0666: the kernel applies the umask
            // (or the directory's default ACL) itself.
            let target = try resolveLinks(path, shown: shown)
            switch createTemporary(for: target, mode: 0o666) {
            case .success(let temporary):
                return Opened(descriptor: temporary.descriptor, rename: (target, temporary.name))
            case .failure(let errno) where errno.rawValue == EACCES || errno.rawValue == EPERM:
                // A directory we may not add a temporary to: creating the file itself fails the same way,
                // unless a default ACL or a racing creator differs; let open(2) say.
                return Opened(descriptor: try openDirect(target, flags: O_CREAT | O_EXCL, shown: shown))
            case .failure(let errno): throw .io(operation: "create a temporary file for", path: shown, errno: errno)
            }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw .io(operation: "write", path: shown, errno: Errno(rawValue: EISDIR))
        default:
            return Opened(descriptor: try openDirect(path, flags: 0, shown: shown))
        }
        guard st.st_mode & 0o222 != 0 else {
            throw .refused("refusing to overwrite \(shown): read-only (mode 0\(String(st.st_mode & 0o7777, radix: 8)))")
        }
        if case .failure(let errno) = path.access(W_OK) {
            throw .refused("refusing to overwrite \(shown): \(errno)")
        }
        let target = try resolveLinks(path, shown: shown)
        var resolved = stat()
        guard case .success = target.lstat(&resolved), resolved.st_dev == st.st_dev, resolved.st_ino == st.st_ino else {
            // A /proc/self/fd/N link onto a deleted or unnamed file: no name to rename onto.
            return Opened(descriptor: try openDirect(path, flags: O_TRUNC, shown: shown))
        }
        switch createTemporary(for: target, mode: 0o600) {
        case .failure(let errno) where errno.rawValue == EACCES || errno.rawValue == EPERM:
            // A writable file in a directory we may not write (no temporary possible): rewrite it in place, as
            // `openssl enc -out` and `> file` do.
            return Opened(descriptor: try openDirect(path, flags: O_TRUNC, shown: shown))
        case .failure(let errno):
            throw .io(operation: "create a temporary file for", path: shown, errno: errno)
        case .success(let temporary):
            let temporaryName = temporary.name
            if (st.st_uid != geteuid() || st.st_gid != getegid())
                && fchown(temporary.descriptor.rawValue, st.st_uid, st.st_gid) != 0
            {
                // Not allowed to give the file away (not root): rewrite it in place, as openssl does.
                _ = consume temporary  // closes it
                _ = temporaryName.unlink()
                InterruptCleanup.disarm()
                return Opened(descriptor: try openDirect(path, flags: O_TRUNC, shown: shown))
            }
            return Opened(descriptor: temporary.descriptor, rename: (target, temporaryName), mode: st.st_mode & 0o7777)
        }
    }

    /// Writes all of `bytes` (`write(2)`, EINTR retried).
    func write(_ bytes: UnsafeRawBufferPointer) throws(CipherCommandError) {
        try Self.write(fd: fd, name: name, bytes)
    }

    /// `write(_:)` on a descriptor and its shown name (the pipeline's I/O thread writes this way).
    static func write(fd: CInt, name: String, _ bytes: UnsafeRawBufferPointer) throws(CipherCommandError) {
        if case .failure(let errno) = writeFully(fd, bytes) { throw .io(operation: "write", path: name, errno: errno) }
    }

    /// Makes the output visible: the replaced file's mode (`fchmod`, after `fchown` so set-id bits stay),
    /// `fsync`, `rename` over the target. Direct targets were written already.
    mutating func commit() throws(CipherCommandError) {
        guard let rename else { return }
        if let mode, fchmod(fd, mode) != 0 { throw .io(operation: "set the mode of", path: name, errno: .current) }
        if fsync(fd) != 0 { throw .io(operation: "write", path: name, errno: .current) }
        if case .failure(let errno) = rename.temporary.rename(to: rename.target) {
            throw .io(operation: "rename to", path: name, errno: errno)
        }
        committed = true
        InterruptCleanup.disarm()
    }

    deinit {
        guard let rename else { return }
        InterruptCleanup.disarm()
        if !committed { _ = rename.temporary.unlink() }
    }

    /// The descriptor number when `path` names one of this process's own descriptors: `/dev/stdout`,
    /// `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N` or `/proc/PID/fd/N` with our pid.
    static func ownDescriptor(_ path: FileName) -> CInt? {
        switch path.bytes {
        case Array("/dev/stdout".utf8): return 1
        case Array("/dev/stderr".utf8): return 2
        default: break
        }
        for prefix in ["/dev/fd/", "/proc/self/fd/", "/proc/\(getpid())/fd/"] where path.bytes.starts(with: prefix.utf8) {
            let digits = path.bytes.dropFirst(prefix.utf8.count)
            guard !digits.isEmpty, digits.count < 10, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return CInt(String(decoding: digits, as: UTF8.self))
        }
        return nil
    }

    /// `open(path, O_WRONLY | flags)` for a target written directly.
    private static func openDirect(_ path: FileName, flags: CInt, shown: String) throws(CipherCommandError)
        -> OwnedDescriptor
    {
        do { return try path.openOwned(O_WRONLY | flags) } catch { throw .io(operation: "open", path: shown, errno: error) }
    }

    /// The path the last component of `path` names after following symlinks (`lstat`, `readlink`), so the
    /// temporary file is created next to the real file and the rename keeps the link.
    private static func resolveLinks(_ path: FileName, shown: String) throws(CipherCommandError) -> FileName {
        var current = path
        for _ in 0..<40 {
            var st = stat()
            guard case .success = current.lstat(&st), st.st_mode & S_IFMT == S_IFLNK else { return current }
            let link: [UInt8]
            switch current.readlink() {
            case .success(let bytes): link = bytes
            case .failure(let errno): throw .io(operation: "open", path: shown, errno: errno)
            }
            guard let next = FileName(bytes: link.first == UInt8(ascii: "/") ? link : current.directoryPrefix + link)
            else { throw .io(operation: "open", path: shown, errno: Errno(rawValue: ENOENT)) }
            current = next
        }
        throw .io(operation: "open", path: shown, errno: Errno(rawValue: ELOOP))
    }

    /// Creates `.NAME.kcrypto-XXXXXX` next to `target` (`open(O_CREAT | O_EXCL | O_CLOEXEC)`, random suffix,
    /// `mode` before the umask); returns its descriptor and name. The signal handlers know the name before the
    /// file exists, so no signal can leave it behind.
    private static func createTemporary(for target: FileName, mode: mode_t) -> Result<Temporary, Errno> {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var failure = Errno(rawValue: EEXIST)
        for _ in 0..<100 {
            let suffix = (0..<6).map { _ in letters.randomElement()! }
            let temporary = FileName(bytes: target.directoryPrefix + [UInt8(ascii: ".")] + target.lastComponent
                + Array(".kcrypto-".utf8) + suffix)!
            InterruptCleanup.arm(removing: temporary)
            do {
                return .success(Temporary(descriptor: try temporary.openOwned(O_WRONLY | O_CREAT | O_EXCL, mode: mode),
                                          name: temporary))
            } catch {
                failure = error
            }
            InterruptCleanup.disarm()
            if failure.rawValue != EEXIST { break }
        }
        return .failure(failure)
    }
}

/// Ends the run on SIGHUP, SIGINT, SIGQUIT, SIGPIPE or SIGTERM in every command and phase: removes the temporary
/// output file if one is armed (`unlink` is async-signal-safe), sets RLIMIT_CORE to 0 (a SIGQUIT core file would hold key
/// bytes), and dies of the same signal with its default disposition, so the parent sees "killed by SIGQUIT".
/// Installed first thing in `main`, replacing the Swift runtime's backtracer for SIGQUIT (which printed a crash
/// report and let the run go on). A signal the process inherited as ignored (`nohup`, `trap '' INT`, background
/// jobs) is left ignored, as coreutils do.
enum InterruptCleanup {
    static let signals = [SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGTERM]

    /// Address of the `strdup`ed path the handler unlinks; 0 when disarmed. The string is never freed: a
    /// handler running on another thread may still be reading it.
    private static let path = Atomic<Int>(0)

    /// Installs the handlers (call first thing in `main`; idempotent).
    static func install() { _ = installed }

    /// Arms the handler for `temporary`.
    static func arm(removing temporary: FileName) {
        _ = installed
        let copy = temporary.withPathOrNil { strdup($0) }
        path.store(Int(bitPattern: copy), ordering: .releasing)
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
                var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
                setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
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
