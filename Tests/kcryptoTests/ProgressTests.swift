import Foundation
import KernelCipherTestSupport
@testable import kcrypto
import Testing

/// `--progress` for `enc`/`dec`/`rng`: bytes, rate and ETA on stderr only; redrawn in place (`\r`, clear to end
/// of line) on a terminal, plain lines otherwise; the output bytes are the same as without it.
@Suite struct ProgressTests {
    @Test func units() {
        #expect(Progress.size(500) == "500 B")
        #expect(Progress.size(1536) == "1.50 KiB")
        #expect(Progress.size(3_000_000) == "2.86 MiB")
        #expect(Progress.size(150 * 1_048_576) == "150 MiB")
        #expect(Progress.clock(65) == "1:05" && Progress.clock(3661) == "1:01:01" && Progress.clock(0.2) == "0:01")
        #expect(Progress.seconds(0.534) == "0.53 s" && Progress.seconds(12.34) == "12.3 s")
    }

    /// The final line names the bytes and the rate; stdout and the output file are untouched by it.
    @Test func finalLineOnStderrOnly() throws {
        let scratch = try Scratch()
        let out = try KcryptoProcess.run(["rng", "-n", "3000000", "--engine", "software", "--progress",
                                          "-o", scratch.path("r")])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stdout.isEmpty)
        #expect(try scratch.read("r").count == 3_000_000)
        #expect(out.stderr.hasPrefix("rng: 3000000 bytes (2.86 MiB) in ") && out.stderr.hasSuffix("/s\n"), "\(out.stderr)")
        #expect(!out.stderr.contains("\r"))

        let plain = try scratch.write("plain", randomBytes((1 << 20) + 100, seed: 21))
        let with = try KcryptoProcess.run(["enc", "--engine", "software", "--progress"] + CipherCase.cbc128.arguments
            + ["-i", plain])
        let without = try KcryptoProcess.run(["enc", "--engine", "software"] + CipherCase.cbc128.arguments + ["-i", plain])
        #expect(with.status == 0 && without.status == 0)
        let same = with.stdoutBytes == without.stdoutBytes  // outside #expect: it would render 1 MiB arrays
        #expect(same)
        #expect(with.diagnostics.hasPrefix("enc: 1048676 bytes (1.00 MiB) in "), "\(with.stderr)")
        #expect(without.diagnostics.isEmpty)
        let dec = try KcryptoProcess.run(["dec", "--engine", "software", "--progress"] + CipherCase.cbc128.arguments,
                                         stdin: try scratch.write("ct", with.stdoutBytes))
        let roundTrip = try dec.stdoutBytes == scratch.read("plain")
        #expect(roundTrip)
        #expect(dec.diagnostics.hasPrefix("dec: 1048688 bytes (1.00 MiB) in "), "\(dec.stderr)")
    }

    /// On a terminal (a pseudo-terminal as stderr) the line is drawn with `\r` and cleared to the end of line.
    @Test func terminalRedrawsInPlace() throws {
        // posix_openpt/grantpt/unlockpt/ptsname are not visible to Swift: /dev/ptmx, TIOCSPTLCK, TIOCGPTN.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0)
        defer { close(master) }
        var unlock: CInt = 0, number: CInt = 0
        try #require(ioctl(master, 0x4004_5431, &unlock) == 0 && ioctl(master, 0x8004_5430, &number) == 0)
        let slave = "/dev/pts/\(number)"
        var setup = SpawnSetup()
        setup.stderr = .path(slave, flags: O_WRONLY | O_NOCTTY)
        let out = try KcryptoProcess.run(["rng", "-n", "100000", "--engine", "software", "--progress"], setup)
        #expect(out.status == 0)
        #expect(out.stdoutBytes.count == 100_000)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
        let n = read(master, &buffer, buffer.count)
        let text = String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
        #expect(text.hasPrefix("\rrng: 100000 bytes (97.7 KiB) in ") && text.contains("\u{1B}[K"), "\(String(reflecting: text))")
    }
}
