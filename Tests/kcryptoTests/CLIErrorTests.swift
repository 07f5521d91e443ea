import Foundation
import KernelCipherTestSupport
import Testing

/// Bad input: one clear line on stderr, non-zero exit, never a crash or stack trace.
@Suite struct CLIErrorTests {
    @Test(arguments: [["list"], ["show", "cbc(aes)"], ["has", "cbc(aes)"]])
    func unreadableProcFile(command: [String]) throws {
        for (path, errno) in [("/nonexistent/crypto", "ENOENT"), ("/", "EISDIR")] {
            let out = try KcryptoProcess.run(command + ["--proc-file", path])
            #expect(out.status == 2)
            #expect(out.stdout.isEmpty)
            #expect(out.stderr.hasPrefix("kcrypto: cannot read \(path): \(errno)"))
            #expect(out.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func malformedProcFileWarnsOnceAndContinues() throws {
        let path = try Fixtures.write("garbage line\nname : x\ndriver : x-gen\npriority : 1\ntype : shash\n\u{FF}\n")
        let out = try KcryptoProcess.run(["list", "--proc-file", path])
        #expect(out.status == 0)
        #expect(out.stdout.contains("x-gen"))
        #expect(out.stderr.hasPrefix("kcrypto: warning: 2 malformed line(s) in \(path) ignored (first: line 1: missingSeparator"))
        #expect(out.stderr.split(separator: "\n").count == 1)
    }

    @Test func emptyProcFileListsNothing() throws {
        let path = try Fixtures.write("")
        let out = try KcryptoProcess.run(["list", "--format", "json", "--proc-file", path])
        #expect(out.status == 0)
        #expect((try out.json()["algorithms"] as? [Any])?.isEmpty == true)
    }

    @Test(arguments: [["frobnicate"], ["list", "--format", "yaml"], ["has"], ["show"], ["has", "x", "--type", ""]])
    func usageErrorsExitNonZero(arguments: [String]) throws {
        let out = try KcryptoProcess.run(arguments)
        #expect(out.status == 64)  // EX_USAGE
        #expect(out.stderr.contains("Error:"))
        #expect(!out.stderr.contains("Fatal error"))
    }
}
