import Foundation
import Testing

/// SIGQUIT (and SIGINT, SIGTERM, SIGHUP) end every command in every phase (issue 19, item 1): promptly, with no
/// Swift crash report, no temporary file left, and the parent sees the process killed by that signal. SIGQUIT
/// used to print "*** Signal 3: Backtracing … Program crashed" and leave the process running whenever no
/// temporary output file was open (the Swift runtime's backtracer had the signal).
@Suite struct SignalTests {
    /// A command and how it is fed: stdin a FIFO nobody ever closes, so it blocks reading, or a run that writes
    /// without end.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        /// stdin is a FIFO held open for writing by the child itself (never ends); else /dev/null.
        var endlessInput = true
        var testDescription: String { name }
    }

    static let iv12 = "000102030405060708090a0b"
    static let cases = [
        Case(name: "rng to /dev/null", arguments: ["rng", "-n", "100000000000000", "--engine", "software"],
             endlessInput: false),
        Case(name: "enc ctr to stdout", arguments: ["enc", "--engine", "software"] + CipherCase.ctr256.arguments),
        Case(name: "enc gcm -o FILE while reading", arguments: ["enc", "-c", "gcm(aes)", "--engine", "software", "--key",
                                                                CipherCase.key16, "--iv", iv12, "-o", "OUT"]),
        Case(name: "enc ctr -o FILE (temporary open)", arguments: ["enc", "--engine", "software"]
            + CipherCase.ctr256.arguments + ["-o", "OUT"]),
        Case(name: "dgst sha256 on a pipe", arguments: ["dgst", "-c", "sha256", "--engine", "software"]),
    ]

    /// Whether `pid` has a handler for SIGTERM (`SigCgt` in /proc/PID/status): kcrypto installs its handlers first
    /// thing in `main`, SIGTERM last, so the run is past the runtime's start-up.
    static func handlersInstalled(_ pid: pid_t) -> Bool {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
              let mask = UInt64(line.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
        return mask & (1 << UInt64(SIGTERM - 1)) != 0
    }

    @Test(arguments: cases, [SIGQUIT, SIGINT, SIGTERM, SIGHUP])
    func signalEndsTheRun(c: Case, signal: Int32) throws {
        let scratch = try Scratch()
        var setup = SpawnSetup()
        if c.endlessInput {
            let fifo = scratch.path("in.fifo")
            try #require(mkfifo(fifo, 0o600) == 0)
            setup.stdin = .path(fifo, flags: O_RDWR)
        }
        // Output that never ends goes to /dev/null (never to disk); the rest is captured.
        setup.stdout = .path(c.arguments.contains("OUT") || !c.endlessInput ? "/dev/null" : scratch.path("stdout"),
                             flags: O_WRONLY | O_CREAT)
        setup.stderr = .path(scratch.path("stderr"), flags: O_WRONLY | O_CREAT)
        let arguments = c.arguments.map { $0 == "OUT" ? scratch.path("out") : $0 }
        let pid = try KcryptoProcess.launch(arguments, setup)
        // Wait (capped) until the handlers are in place, then a little for the run to reach its loop.
        let deadline = Date().addingTimeInterval(30)
        while !Self.handlersInstalled(pid) && Date() < deadline { usleep(10_000) }
        usleep(100_000)
        kill(pid, signal)
        let status = KcryptoProcess.wait(pid, limit: 60)
        let stderr = String(decoding: try scratch.read("stderr"), as: UTF8.self)
        #expect(status == 128 + signal, "\(c.name): status \(status), stderr \(stderr.prefix(300))")
        #expect(!stderr.contains("Backtrac") && !stderr.contains("crashed"), "\(stderr.prefix(300))")
        let left = try scratch.entries().filter { !["in.fifo", "stdout", "stderr"].contains($0) }
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
