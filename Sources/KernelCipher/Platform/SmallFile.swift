#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Small kernel-provided files (`/proc`, `/sys`, module lists) read the one way that works for all of them.
enum SmallFile {
    /// Every byte of the regular file `path` by `open(2)` and a `read(2)` loop until it returns 0 (EINTR retried;
    /// `/proc` seq_files report size 0 and return one page per `read`). Throws `EFBIG` past `maximumSize`, `EISDIR`
    /// for a directory and `EINVAL` for anything else that is not a regular file (a FIFO, socket or device: opened
    /// with `O_NONBLOCK` and checked with `fstat`, so it never blocks).
    static func read(_ path: String, maximumSize: Int = 16 << 20) throws(Errno) -> [UInt8] {
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
            if result.count > maximumSize { throw Errno(rawValue: EFBIG) }
        }
    }

    /// The file as text (invalid UTF-8 repaired); nil when it cannot be read.
    static func text(_ path: String) -> String? {
        guard let bytes = try? read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file as text without leading and trailing white space (a sysctl value, a sysfs attribute).
    static func trimmedText(_ path: String) throws(Errno) -> String {
        String(decoding: try read(path), as: UTF8.self).trimmingWhitespace
    }

    /// The first white-space-separated field of the file as an integer (`/proc/sys/net/core/wmem_default`).
    static func integer(_ path: String) -> Int? {
        text(path).flatMap { Int($0.split(whereSeparator: { $0.isWhitespace }).first ?? "") }
    }
}

/// `read(2)`, named apart from the `read` functions above.
private func systemRead(_ fd: CInt, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    Glibc.read(fd, buffer, count)
}

extension StringProtocol {
    /// Without leading and trailing white space, by Unicode scalar (space, tab, CR, LF, vertical tab, form feed), so
    /// a combining mark after a space is kept, not taken as part of it.
    var trimmingWhitespace: String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.isASCIIWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isASCIIWhitespace { scalars.removeLast() }
        return String(String.UnicodeScalarView(scalars))
    }
}

extension Unicode.Scalar {
    /// Space, tab, LF, CR, vertical tab or form feed (C's `isspace` in the C locale).
    var isASCIIWhitespace: Bool {
        self == " " || self == "\t" || self == "\n" || self == "\r" || self == "\u{0B}" || self == "\u{0C}"
    }
}
