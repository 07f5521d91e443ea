#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

/// What `--check` prints per file (coreutils' `--quiet`, `--status`, `-w/--warn`; the last one given wins).
enum CheckReport: String, EnumerableFlag {
    /// `--quiet`: no `NAME: OK` lines.
    case quiet
    /// `--status`: nothing on stdout and no summary; only the exit status says.
    case status
    /// `-w`, `--warn`: one warning per improperly formatted line.
    case warn

    static func name(for value: CheckReport) -> NameSpecification {
        value == .warn ? [.customShort("w"), .customLong("warn")] : [.customLong(value.rawValue)]
    }

    static func help(for value: CheckReport) -> ArgumentHelp? {
        switch value {
        case .quiet: "With --check: don't print OK for each verified file."
        case .status: "With --check: print nothing; the exit status shows success."
        case .warn: "With --check: warn about each improperly formatted line."
        }
    }
}

/// `sha256sum -c` over one checksum list, byte for byte as coreutils 9.1 does it: the same lines accepted, the
/// same `NAME: OK` / `NAME: FAILED` / `NAME: FAILED open or read` lines on stdout, the same messages and
/// `WARNING:` summary on stderr (after `kcrypto: ` instead of `sha256sum: `), the same exit status.
struct ChecksumVerifier {
    var digester: FileDigester
    /// The BSD tag of the algorithm (`SHA256`), accepted in `TAG (NAME) = HEX` lines and named in warnings.
    let tag: [UInt8]
    /// Listed files hashed at once (1: one after another); the report keeps the list's order.
    let jobs: Int
    var report: CheckReport?
    var strict = false
    var ignoreMissing = false
    /// Whether stdin was already read (a key from stdin): a list entry naming stdin then fails instead of
    /// reading it a second time.
    var stdinConsumed = false

    init(digester: FileDigester, tag: [UInt8], jobs: Int = 1) {
        self.digester = digester
        self.tag = tag
        self.jobs = jobs
    }

    /// One line's report, kept in the list's order while listed files hash in parallel.
    private enum Line {
        /// An improperly formatted line (its number, for `-w`).
        case misformatted(Int)
        /// A listed file and the digest the list gives for it (hex as written).
        case entry(name: [UInt8], hex: [UInt8])
        /// A listed name that cannot be opened: empty (coreutils: ENOENT) or stdin read already.
        case refused(name: [UInt8], stdinRead: Bool)
    }

    /// What the lines reported so far add up to.
    private struct Tally {
        var misformatted = 0, mismatched = 0, unreadable = 0
        var matched = false
    }

    /// Checks every line of the list `list` (`-`: stdin); false when anything failed (exit status 1).
    mutating func verify(list: FileName) throws(CipherCommandError) -> Bool {
        let listIsStdin = list.isStandardStream
        let shownList = listIsStdin ? Array("'standard input'".utf8) : ChecksumQuoting.quoted(list.bytes)
        var fd: CInt = 0
        // The opened list, closed at the end of this scope (lexical lifetime); nil for stdin, which stays open.
        let listFile: OwnedDescriptor?
        if listIsStdin {
            guard !StandardStreams.wasClosed(0) else { ChecksumMessage.error(shownList, Errno(rawValue: EBADF)); return false }
            listFile = nil
        } else {
            let file: OwnedDescriptor
            do { file = try list.openOwned(O_RDONLY) } catch { ChecksumMessage.error(shownList, error); return false }
            fd = file.rawValue
            listFile = consume file
        }
        if listFile == nil { stdinConsumed = true }
        var reader = ChecksumListReader(fd: fd)
        var parser = ChecksumParser(tag: tag, digestSize: digester.hash.digestSize)
        var tally = Tally()
        var properlyFormatted = false
        var lineNumber = 0
        var sequence = DigestSequence<Line>(digester: digester, jobs: jobs)
        defer { sequence.close() }
        let reportLine: DigestSequence<Line>.Report = { [self] (line, result) throws(CipherCommandError) in
            try reportOne(line, result, list: shownList, tally: &tally)
        }
        while true {
            let next: [UInt8]?
            do { next = try reader.next() } catch {
                try sequence.flush(report: reportLine)
                switch error {
                case .read: ChecksumMessage.line(shownList + Array(": read error".utf8))
                case .lineTooLong:
                    ChecksumMessage.line(shownList + Array(": line \(lineNumber + 1) is longer than 64 MiB".utf8))
                }
                return false
            }
            guard let line = next else { break }
            lineNumber += 1
            guard let content = ChecksumLine.content(line[...]) else { continue }
            guard let entry = parser.parse(content), !(listIsStdin && entry.name == [UInt8(ascii: "-")]) else {
                try sequence.add(.misformatted(lineNumber), digesting: nil, report: reportLine)
                continue
            }
            properlyFormatted = true
            switch listedFile(entry.name) {
            case .success(let file):
                try sequence.add(.entry(name: entry.name, hex: entry.hex), digesting: file, report: reportLine)
            case .failure(let refused):
                try sequence.add(.refused(name: entry.name, stdinRead: refused.stdinRead), digesting: nil,
                                 report: reportLine)
            }
        }
        try sequence.flush(report: reportLine)
        if !properlyFormatted {
            ChecksumMessage.line(shownList + Array(": no properly formatted checksum lines found".utf8))
        } else if report != .status {
            func warn(_ n: Int, _ one: String, _ many: String) {
                if n > 0 { ChecksumMessage.line(Array("WARNING: \(n) \(n == 1 ? one : many)".utf8)) }
            }
            warn(tally.misformatted, "line is improperly formatted", "lines are improperly formatted")
            warn(tally.unreadable, "listed file could not be read", "listed files could not be read")
            warn(tally.mismatched, "computed checksum did NOT match", "computed checksums did NOT match")
            if ignoreMissing && !tally.matched { ChecksumMessage.line(shownList + Array(": no file was verified".utf8)) }
        }
        return properlyFormatted && tally.matched && tally.mismatched == 0 && tally.unreadable == 0
            && (!strict || tally.misformatted == 0)
    }

    /// A failure of `listedFile`: whether the name read stdin already (else: an empty name).
    private struct Refused: Error {
        let stdinRead: Bool
    }

    /// The file a list entry names, in list order (a name reading stdin is read once at most).
    private mutating func listedFile(_ name: [UInt8]) -> Result<FileName, Refused> {
        // coreutils opens "" and gets ENOENT (a NUL cannot reach here: the parser cut the name there).
        guard let file = FileName(bytes: name) else { return .failure(Refused(stdinRead: false)) }
        if StdinSharing.reads(file, nilIsStdin: false) {
            if stdinConsumed { return .failure(Refused(stdinRead: true)) }
            stdinConsumed = true
        }
        return .success(file)
    }

    /// Prints one line's outcome as `sha256sum -c` does and counts it.
    private func reportOne(_ line: Line, _ result: Result<[UInt8], Errno>?, list shownList: [UInt8],
                           tally: inout Tally) throws(CipherCommandError) {
        let name: [UInt8]
        let digest: [UInt8]
        switch (line, result) {
        case (.misformatted(let number), _):
            tally.misformatted += 1
            if report == .warn {
                ChecksumMessage.line(shownList + Array(": \(number): improperly formatted ".utf8) + tag
                    + Array(" checksum line".utf8))
            }
            return
        case (.refused(let refusedName, stdinRead: true), _):
            ChecksumMessage.line(ChecksumQuoting.quoted(refusedName)
                + Array(": standard input was already read; it is not read a second time".utf8))
            return try reportUnreadable(refusedName, tally: &tally)
        case (.refused(let refusedName, stdinRead: false), _):
            if ignoreMissing { return }
            ChecksumMessage.error(ChecksumQuoting.quoted(refusedName), Errno(rawValue: ENOENT))
            return try reportUnreadable(refusedName, tally: &tally)
        case (.entry(let entryName, _), .failure(let errno)?):
            if ignoreMissing && errno.rawValue == ENOENT { return }
            ChecksumMessage.error(ChecksumQuoting.quoted(entryName), errno)
            return try reportUnreadable(entryName, tally: &tally)
        case (.entry(let entryName, _), .success(let computed)?):
            (name, digest) = (entryName, computed)
        case (.entry, nil):
            return
        }
        guard case .entry(_, let hex) = line else { return }
        let matches = ChecksumLine.hex(digest) == hex.map { $0 | ($0 >= 65 && $0 <= 70 ? 0x20 : 0) }
        if matches { tally.matched = true } else { tally.mismatched += 1 }
        if report != .status && !(matches && report == .quiet) {
            try ChecksumMessage.stdout(ChecksumLine.resultName(name) + Array(": \(matches ? "OK" : "FAILED")\n".utf8))
        }
    }

    private func reportUnreadable(_ name: [UInt8], tally: inout Tally) throws(CipherCommandError) {
        tally.unreadable += 1
        if report != .status {
            try ChecksumMessage.stdout(ChecksumLine.resultName(name) + Array(": FAILED open or read\n".utf8))
        }
    }
}

/// Reads a checksum list line by line as `getline` does: lines end at LF (the LF removed); the last line may
/// lack one; NUL and CR bytes are part of a line. A line longer than 64 MiB is an error (coreutils has no limit).
struct ChecksumListReader {
    /// Why reading stopped.
    enum Failure: Error {
        case read(Errno)
        case lineTooLong
    }

    /// The longest line accepted.
    static let maximumLine = 64 << 20
    let fd: CInt
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(fd: CInt) { self.fd = fd }

    /// The next line without its LF, or nil at the end of the list.
    mutating func next() throws(Failure) -> [UInt8]? {
        var searchFrom = start
        while true {
            if let newline = buffer[searchFrom...].firstIndex(of: ChecksumLine.newline) {
                defer { start = newline + 1 }
                return Array(buffer[start..<newline])
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                defer { start = buffer.count }
                return Array(buffer[start...])
            }
            if start > 0 { buffer.removeSubrange(0..<start); start = 0 }
            guard buffer.count <= Self.maximumLine else { throw .lineTooLong }
            searchFrom = buffer.count
            let chunk = 1 << 16
            buffer.reserveCapacity(buffer.count + chunk)
            let old = buffer.count
            buffer += repeatElement(0, count: chunk)
            let result = buffer[old...].withUnsafeMutableBytes { raw in
                valueOrErrno(retryOnInterrupt: true) { read(fd, raw.baseAddress, raw.count) }
            }
            switch result {
            case .success(let n):
                buffer.removeSubrange((old + n)...)
                if n == 0 { atEnd = true }
            case .failure(let errno):
                buffer.removeSubrange(old...)
                throw .read(errno)
            }
        }
    }
}

/// stdout and stderr as `sha256sum` writes them: raw bytes (file names are not re-encoded), one `write` per line.
enum ChecksumMessage {
    /// Writes `bytes` to stdout; a closed or failing stdout ends the command (exit status 1).
    static func stdout(_ bytes: [UInt8]) throws(CipherCommandError) {
        guard !StandardStreams.wasClosed(1) else {
            throw .io(operation: "write", path: "stdout", errno: Errno(rawValue: EBADF))
        }
        if case .failure(let errno) = bytes.withUnsafeBytes({ writeFully(1, $0) }) {
            throw .io(operation: "write", path: "stdout", errno: errno)
        }
    }

    /// `kcrypto: ` + `message` + LF on stderr (failures ignored, as for every diagnostic).
    static func line(_ message: [UInt8]) {
        let bytes = Array("kcrypto: ".utf8) + message + [ChecksumLine.newline]
        _ = bytes.withUnsafeBytes { writeFully(2, $0) }
    }

    /// `kcrypto: NAME: strerror` (NAME already quoted), as coreutils reports a file it cannot open or read.
    static func error(_ quotedName: [UInt8], _ errno: Errno) {
        line(quotedName + Array(": \(String(cString: strerror(errno.rawValue)))".utf8))
    }
}
