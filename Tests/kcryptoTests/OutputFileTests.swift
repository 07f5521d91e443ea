import Foundation
import KernelCipherTestSupport
import Testing

/// `-o` targets (issue 10, items 8–9): device nodes, FIFOs, `/proc/self/fd/N` and `-` are written directly;
/// symlinks are written through; a replaced regular file keeps its mode and owner; read-only targets are refused.
@Suite struct OutputFileTests {
    static let plain = randomBytes(1000, seed: 8)

    /// The ciphertext of `plain` under ctr(aes), written to a fresh regular file.
    static func expected(_ scratch: Scratch) throws -> [UInt8] {
        try scratch.write("plain", plain)
        return try runCipher("enc", .ctr256, in: scratch, input: "plain", output: "reference")
    }

    static func enc(_ scratch: Scratch, to target: String, _ setup: SpawnSetup = SpawnSetup()) throws
        -> KcryptoProcess.Output
    {
        try KcryptoProcess.run(["enc"] + CipherCase.ctr256.arguments + ["-i", scratch.path("plain"), "-o", target],
                               setup)
    }

    static func type(_ st: stat?) -> mode_t? { st.map { $0.st_mode & S_IFMT } }

    /// A character device like `/dev/full` (a copy made with mknod when root, so a regression cannot replace
    /// the system's node): the write error is reported (ENOSPC, exit 1) and the node stays a device.
    @Test func fullDeviceReportsENOSPC() throws {
        let scratch = try Scratch()
        _ = try Self.expected(scratch)
        let full = getuid() == 0 ? scratch.path("full") : "/dev/full"
        if getuid() == 0 { try #require(mknod(full, S_IFCHR | 0o666, deviceNumber(1, 7)) == 0) }
        let out = try Self.enc(scratch, to: full)
        #expect(out.status == 1)
        #expect(out.stderr.contains("cannot write \(full): ENOSPC (No space left on device)"), "\(out.stderr)")
        var st = stat()
        #expect(stat(full, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "\(full) is no longer a device")
        #expect(try !scratch.entries().contains { $0.contains("kcrypto-") })
    }

    /// A null device copy: written, still a device, nothing else created next to it.
    @Test(.enabled(if: getuid() == 0, "mknod needs root")) func nullDeviceStaysADevice() throws {
        let scratch = try Scratch()
        _ = try Self.expected(scratch)
        try #require(mknod(scratch.path("null"), S_IFCHR | 0o666, deviceNumber(1, 3)) == 0)
        let out = try Self.enc(scratch, to: scratch.path("null"))
        #expect(out.status == 0, "\(out.stderr)")
        #expect(Self.type(scratch.status("null")) == S_IFCHR)
        #expect(try scratch.entries() == ["null", "plain", "reference"])
    }

    /// A FIFO with a reader receives the ciphertext and stays a FIFO.
    @Test func fifoIsWrittenDirectly() throws {
        let scratch = try Scratch()
        let expected = try Self.expected(scratch)
        try #require(mkfifo(scratch.path("out.fifo"), 0o600) == 0)
        let reader = open(scratch.path("out.fifo"), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }
        let out = try Self.enc(scratch, to: scratch.path("out.fifo"))
        #expect(out.status == 0, "\(out.stderr)")
        #expect(Self.type(scratch.status("out.fifo")) == S_IFIFO)
        var received = [UInt8](repeating: 0, count: 4096)
        let n = read(reader, &received, received.count)
        #expect(Array(received[0..<max(n, 0)]) == expected)
    }

    /// `/proc/self/fd/3`, descriptor 3 being a FIFO opened for writing: written through that descriptor.
    @Test func procSelfFDIsWrittenDirectly() throws {
        let scratch = try Scratch()
        let expected = try Self.expected(scratch)
        try #require(mkfifo(scratch.path("pipe"), 0o600) == 0)
        let reader = open(scratch.path("pipe"), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        try #require(reader >= 0)
        defer { close(reader) }
        var setup = SpawnSetup()
        setup.files[3] = .path(scratch.path("pipe"), flags: O_WRONLY)
        let out = try Self.enc(scratch, to: "/proc/self/fd/3", setup)
        #expect(out.status == 0, "\(out.stderr)")
        var received = [UInt8](repeating: 0, count: 4096)
        let n = read(reader, &received, received.count)
        #expect(Array(received[0..<max(n, 0)]) == expected)
    }

    /// `/proc/self/fd/1` with stdout appending to a file (`>> archive`): appended through the descriptor, like a
    /// shell redirection; the file behind it is not replaced (which lost what it held before).
    @Test func procSelfFDOntoAFileAppends() throws {
        let scratch = try Scratch()
        let expected = try Self.expected(scratch)
        try scratch.write("archive", [1, 2, 3])
        var setup = SpawnSetup()
        setup.stdout = .path(scratch.path("archive"), flags: O_WRONLY | O_APPEND)
        let out = try Self.enc(scratch, to: "/proc/self/fd/1", setup)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try scratch.read("archive") == [1, 2, 3] + expected)
        #expect(try scratch.entries() == ["archive", "plain", "reference"])
    }

    /// `-o -` is stdout; no file named `-` appears in the working directory.
    @Test func dashIsStdout() throws {
        let scratch = try Scratch()
        let expected = try Self.expected(scratch)
        var setup = SpawnSetup()
        setup.directory = scratch.url.path
        let out = try Self.enc(scratch, to: "-", setup)
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdoutBytes == expected)
        #expect(try scratch.entries() == ["plain", "reference"])
    }

    /// A symlink to an existing file, and a dangling one: the link stays, the file it names gets the output.
    @Test func symlinkIsWrittenThrough() throws {
        let scratch = try Scratch()
        let expected = try Self.expected(scratch)
        try scratch.write("real", [1, 2, 3])
        try #require(chmod(scratch.path("real"), 0o600) == 0)
        try #require(symlink("real", scratch.path("link")) == 0)
        try #require(symlink(scratch.path("sub/new"), scratch.path("dangling")) == 0)
        try FileManager.default.createDirectory(atPath: scratch.path("sub"), withIntermediateDirectories: false)
        for link in ["link", "dangling"] {
            let out = try Self.enc(scratch, to: scratch.path(link))
            #expect(out.status == 0, "\(out.stderr)")
            #expect(Self.type(scratch.status(link)) == S_IFLNK, "\(link) replaced")
        }
        #expect(try scratch.read("real") == expected)
        #expect(try scratch.read("sub/new") == expected)
        #expect(scratch.status("real").map { $0.st_mode & 0o7777 } == 0o600)
        #expect(try scratch.entries() == ["dangling", "link", "plain", "real", "reference", "sub"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path("sub")) == ["new"])
    }

    /// Replacing a regular file keeps its permission bits (0600 stays 0600, 0640 stays 0640).
    @Test(arguments: [0o600, 0o640, 0o755] as [mode_t])
    func replacedFileKeepsItsMode(mode: mode_t) throws {
        let scratch = try Scratch()
        let expected = try Self.expected(scratch)
        try scratch.write("out", [9, 9])
        try #require(chmod(scratch.path("out"), mode) == 0)
        let out = try Self.enc(scratch, to: scratch.path("out"))
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try scratch.read("out") == expected)
        #expect(scratch.status("out").map { $0.st_mode & 0o7777 } == mode)
    }

    /// A file owned by another user keeps that owner and group when root replaces it.
    @Test(.enabled(if: getuid() == 0, "chown needs root")) func replacedFileKeepsItsOwner() throws {
        let scratch = try Scratch()
        let expected = try Self.expected(scratch)
        try scratch.write("out", [9, 9])
        try #require(chown(scratch.path("out"), 65534, 65534) == 0)
        try #require(chmod(scratch.path("out"), 0o640) == 0)
        let out = try Self.enc(scratch, to: scratch.path("out"))
        #expect(out.status == 0, "\(out.stderr)")
        #expect(try scratch.read("out") == expected)
        let st = try #require(scratch.status("out"))
        #expect(st.st_uid == 65534 && st.st_gid == 65534 && st.st_mode & 0o7777 == 0o640)
    }

    /// A file without any write permission bit (0444) is refused, even for root (see README: like `rm`, the
    /// mode is taken as the owner's wish); the file is unchanged and nothing is left behind.
    @Test func readOnlyFileIsRefused() throws {
        let scratch = try Scratch()
        _ = try Self.expected(scratch)
        try scratch.write("out", [9, 9])
        try #require(chmod(scratch.path("out"), 0o444) == 0)
        let out = try Self.enc(scratch, to: scratch.path("out"))
        #expect(out.status == 1)
        #expect(out.stderr == "kcrypto: warning: --key is visible to other users in the process list; prefer --key-file or --keyfd\n"
            + "kcrypto: refusing to overwrite \(scratch.path("out")): read-only (mode 0444)\n")
        #expect(try scratch.read("out") == [9, 9])
        #expect(try scratch.entries() == ["out", "plain", "reference"])
    }

    /// As an unprivileged user (setpriv to nobody), a file that user may not write is refused with EACCES,
    /// although the directory lets it create files (the old temporary-and-rename path replaced it).
    @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")))
    func unwritableFileIsRefusedForItsUser() throws {
        let scratch = try Scratch()
        _ = try Self.expected(scratch)
        try #require(chmod(scratch.url.path, 0o777) == 0)
        try #require(chmod(scratch.path("plain"), 0o644) == 0)
        try scratch.write("out", [9, 9])
        try #require(chmod(scratch.path("out"), 0o644) == 0)
        let out = try KcryptoProcess.spawn("/usr/bin/setpriv", [
            "--reuid=65534", "--regid=65534", "--clear-groups", KcryptoProcess.executableURL.path, "enc",
        ] + CipherCase.ctr256.arguments + ["-i", scratch.path("plain"), "-o", scratch.path("out")])
        #expect(out.status == 1)
        #expect(out.stderr.contains("refusing to overwrite \(scratch.path("out")): EACCES"), "\(out.stderr)")
        #expect(try scratch.read("out") == [9, 9])
        #expect(scratch.status("out")?.st_uid == 0)
        #expect(try scratch.entries() == ["out", "plain", "reference"])
    }
}
