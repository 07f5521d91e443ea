#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension ProcCrypto {
    /// The largest file `read(path:)` accepts (guards against `--proc-file /dev/zero`); `/proc/crypto` is ~10–60 KiB.
    public static let maximumFileSize = 16 << 20

    /// Reads and parses `path` (default `/proc/crypto`) with `open(2)`/`read(2)` until `read` returns 0.
    ///
    /// `/proc/crypto` is a size-0 seq_file that returns one page per `read`, so Foundation's
    /// `String(contentsOfFile:)` sees only the first ~4 KiB; this reads to end of file.
    public static func read(path: String = "/proc/crypto") throws(Errno) -> ProcCrypto {
        ProcCrypto(parsing: try readContents(path: path))
    }

    /// Returns every byte of `path` using `open(2)` and a `read(2)` loop (EINTR retried); throws `EFBIG`
    /// past `maximumFileSize`, `EISDIR` for a directory and `EINVAL` for anything else that is not a regular
    /// file (a FIFO, socket or device: opened with `O_NONBLOCK` and checked with `fstat`, so it never blocks).
    public static func readContents(path: String) throws(Errno) -> [UInt8] {
        let file = try OwnedDescriptor(opening: path, flags: O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        var st = stat()
        try nothingOrErrno(retryOnInterrupt: false) { fstat(file.rawValue, &st) }.get()
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw Errno(rawValue: EISDIR)
        default: throw Errno(rawValue: EINVAL)
        }

        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { buffer in
                valueOrErrno(retryOnInterrupt: true) { systemRead(file.rawValue, buffer.baseAddress, buffer.count) }
            }.get()
            if count == 0 { return result }
            result.append(contentsOf: chunk[..<count])
            if result.count > maximumFileSize { throw Errno(rawValue: EFBIG) }
        }
    }
}

/// `read(2)`, named apart from `ProcCrypto.read(path:)`.
private func systemRead(_ fd: CInt, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
