import Foundation
import KernelCipher
import KernelCipherTestSupport
import Testing

/// `kcrypto rng` on the software engine (and `--engine auto`, which is software where AF_ALG is missing).
@Suite struct RandomCommandTests {
    @Test(arguments: [0, 1, 129, (64 << 10) + 1, 200_000])
    func writesExactlyNBytes(count: Int) throws {
        let out = try KcryptoProcess.run(["rng", "-n", "\(count)", "--engine", "software"])
        #expect(out.status == 0 && out.stderr.isEmpty)
        #expect(out.stdoutBytes.count == count)
    }

    @Test func hexIsLowercaseDigitsAndANewline() throws {
        let out = try KcryptoProcess.run(["rng", "-n", "70000", "--hex", "-c", "stdrng", "--engine", "software"])
        #expect(out.status == 0)
        #expect(out.stdout.count == 140_001 && out.stdout.hasSuffix("\n"))
        #expect(out.stdout.dropLast().allSatisfy { "0123456789abcdef".contains($0) })
        let again = try KcryptoProcess.run(["rng", "-n", "70000", "--hex", "--engine", "software"])
        #expect(again.stdout != out.stdout)
        #expect(try KcryptoProcess.run(["rng", "-n", "0", "--hex"]).stdout.isEmpty)
    }

    @Test func writesAFile() throws {
        let scratch = try Scratch()
        let out = try KcryptoProcess.run(["rng", "-n", "4097", "-o", scratch.path("random.bin"), "--engine", "software"])
        #expect(out.status == 0 && out.stdout.isEmpty)
        #expect(try scratch.read("random.bin").count == 4097)
        #expect(try scratch.entries() == ["random.bin"])
    }

    @Test(arguments: [
        (["rng", "-n", "8", "-c", "drbg_nopr_hmac_sha256", "--engine", "software"],
         "algorithm 'drbg_nopr_hmac_sha256' not found (software engine)"),
        (["rng", "-n", "8", "-c", "no_such_rng"], "no_such_rng"),
    ])
    func failuresAreOneLine(arguments: [String], message: String) throws {
        let out = try KcryptoProcess.run(arguments)
        #expect(out.status == 1)
        #expect(out.stdout.isEmpty)
        #expect(out.stderr.hasPrefix("kcrypto: ") && out.stderr.contains(message), "stderr: \(out.stderr)")
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test(.enabled(if: !AFALGAvailability.current.isAvailable, "AF_ALG is available here"))
    func automaticUsesTheSoftwareEngineWithoutAFALG() throws {
        #expect(try KcryptoProcess.run(["rng", "-n", "32"]).stdoutBytes.count == 32)
        let kernel = try KcryptoProcess.run(["rng", "-n", "32", "--engine", "kernel"])
        #expect(kernel.status == 1 && kernel.stderr.contains("AF_ALG unavailable"))
    }
}
