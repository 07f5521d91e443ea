import Foundation
import Testing

@Suite("kcrypto enc: interrupted runs leave no temporary file")
struct EncInterruptTests {
    /// `enc -o FILE` blocked on its input is killed by a signal: the hidden temporary file is removed, the target
    /// is not created, and the process dies of that signal.
    @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
    func signalRemovesTheTemporaryFile(signal: Int32) throws {
        let scratch = try Scratch()
        let fifo = scratch.path("in.fifo")
        try #require(mkfifo(fifo, 0o600) == 0)
        // O_RDWR: the child holds the FIFO's write end itself, so its read waits instead of seeing end of input.
        let pid = try KcryptoProcess.launch(
            KcryptoProcess.executableURL.path, ["enc"] + CipherCase.ctr256.arguments + ["-o", scratch.path("out")],
            stdin: fifo, stdinFlags: O_RDWR, stdout: "/dev/null", stderr: scratch.path("err"))
        let deadline = Date().addingTimeInterval(120)
        while !(try scratch.entries()).contains(where: { $0.hasPrefix(".out.kcrypto-") }) && Date() < deadline {
            usleep(10_000)
        }
        let started = try scratch.entries()
        kill(pid, signal)
        let status = KcryptoProcess.wait(pid)
        #expect(started.contains { $0.hasPrefix(".out.kcrypto-") }, "the temporary file existed: \(started)")
        #expect(status == 128 + signal)
        #expect(try scratch.entries() == ["err", "in.fifo"])
    }
}
