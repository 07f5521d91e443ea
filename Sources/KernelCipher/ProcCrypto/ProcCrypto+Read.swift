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
        try SmallFile.read(path, maximumSize: maximumFileSize)
    }
}
