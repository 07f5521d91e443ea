import Foundation
import KernelCipherTestSupport
import Testing

@Suite("kcrypto enc: interrupted runs leave no temporary file")
struct EncInterruptTests {
    /// Starts `enc -o out` reading a FIFO that never ends (the child holds its write end: O_RDWR), with
    /// `ignored` signals inherited as ignored; returns once the hidden temporary file exists.
    static func startBlocked(_ scratch: Scratch, ignored: [Int32] = []) throws -> pid_t {
        let fifo = scratch.path("in.fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        var setup = SpawnSetup()
        setup.stdin = .path(fifo, flags: O_RDWR)
        setup.stderr = .path(scratch.path("err"), flags: O_WRONLY | O_CREAT)
        setup.ignored = ignored
        let pid = try KcryptoProcess.launch(["enc"] + CipherCase.ctr256.arguments + ["-o", scratch.path("out")], setup)
        let started = try scratch.waitForEntry(prefix: ".out.kcrypto-")
        if !started { kill(pid, SIGKILL); _ = KcryptoProcess.wait(pid) }
        let entries = try scratch.entries()
        try #require(started, "the temporary file never appeared: \(entries)")
        return pid
    }

    /// `enc -o FILE` blocked on its input is killed by a signal: the hidden temporary file is removed, the target
    /// is not created, and the process dies of that signal. SIGQUIT used to print a crash report and carry on
    /// (the Swift runtime's backtracer caught it); SIGPIPE used to leave the temporary file behind.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE])
    func signalRemovesTheTemporaryFile(signal: Int32) throws {
        let scratch = try Scratch()
        let pid = try Self.startBlocked(scratch)
        kill(pid, signal)
        let status = KcryptoProcess.wait(pid, limit: 60)
        #expect(status == 128 + signal)
        #expect(try scratch.entries() == ["err", "in.fifo"])
        #expect(try !String(decoding: scratch.read("err"), as: UTF8.self).contains("crashed"))
    }

    /// A signal inherited as ignored (`nohup`, a background job of a non-interactive shell) stays ignored: the
    /// run survives it and completes once its input ends. The signal is pending before the input ends, so a
    /// run that handled it could not finish first.
    @Test(arguments: [SIGHUP, SIGINT, SIGQUIT, SIGPIPE])
    func inheritedIgnoredSignalStaysIgnored(signal: Int32) throws {
        let scratch = try Scratch()
        let fifo = scratch.path("in.fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        let writer = open(fifo, O_RDWR | O_CLOEXEC)
        try #require(writer >= 0)
        var setup = SpawnSetup()
        setup.stdin = .path(fifo, flags: O_RDONLY)
        setup.stderr = .path(scratch.path("err"), flags: O_WRONLY | O_CREAT)
        setup.ignored = [signal]
        let pid = try KcryptoProcess.launch(["enc"] + CipherCase.ctr256.arguments + ["-o", scratch.path("out")], setup)
        let started = try scratch.waitForEntry(prefix: ".out.kcrypto-")
        kill(pid, signal)
        let bytes = randomBytes(100, seed: 3)
        #expect(Glibc.write(writer, bytes, bytes.count) == bytes.count)
        close(writer)
        let status = KcryptoProcess.wait(pid, limit: 60)
        #expect(started)
        #expect(status == 0, "the ignored signal \(signal) ended the run")
        #expect(try scratch.entries() == ["err", "in.fifo", "out"])
        #expect(try scratch.read("out").count == 100)
        #expect(try !String(decoding: scratch.read("err"), as: UTF8.self).contains("crashed"))
    }
}
