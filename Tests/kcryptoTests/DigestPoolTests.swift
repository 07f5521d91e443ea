#if canImport(Glibc)
import Glibc
#endif
import Foundation
@_spi(Platform) import KernelCipher
import KernelCipherTestSupport
import Testing
@testable import kcrypto

/// The UTF-8 bytes of `text` (an argument or file content).
private func b(_ text: String) -> [UInt8] { Array(text.utf8) }

/// `DigestPool` and `DigestSequence` in this process: the hand-off between the owner and the worker threads
/// (many files × many runs, every width), the order of reports, the chunk-buffer bound, and an abandoned run.
@Suite struct DigestPoolTests {
    /// 48 files of 0…40 KiB plus two of 1 MiB + 1 (about 3 MiB), and their SHA-256 digests computed in one call.
    static func files(_ hash: HashTransform) throws -> (ScratchDirectory, [FileName], [[UInt8]]) {
        let directory = try ScratchDirectory("dgst-pool")
        var generator = SeededGenerator(state: 31)
        var names: [FileName] = [], digests: [[UInt8]] = []
        for i in 0..<50 {
            let size = i < 2 ? (1 << 20) + 1 : Int(generator.next() % 40_000) * (i % 5 == 0 ? 0 : 1)
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            try directory.write(b("f\(i)"), bytes)
            names.append(FileName(literal: directory.file("f\(i)")))
            digests.append(try hash.digest(bytes))
        }
        return (directory, names, digests)
    }

    @Test("many files × 60 runs at widths 2…8, missing names between them: every report in order with its digest")
    func orderUnderRaces() throws {
        let hash = try HashTransform("sha256", engine: .software)
        defer { hash.release() }
        let (directory, names, digests) = try Self.files(hash)
        // Each file twice, and a missing name after every seventh.
        var inputs: [(FileName, [UInt8]?)] = []
        for (i, name) in (names + names.reversed()).enumerated() {
            let index = i < names.count ? i : 2 * names.count - 1 - i
            inputs.append((name, digests[index]))
            if i % 7 == 6 { inputs.append((FileName(literal: directory.file("missing\(i)")), nil)) }
        }
        for run in 0..<60 {
            var sequence = DigestSequence<Int>(digester: FileDigester(hash: hash), jobs: 2 + run % 7)
            defer { sequence.close() }
            var reported: [(Int, Result<[UInt8], Errno>?)] = []
            let record: DigestSequence<Int>.Report = { (index, result) throws(CipherCommandError) in
                reported.append((index, result))
            }
            for (index, input) in inputs.enumerated() {
                try sequence.add(index, digesting: input.0, report: record)
            }
            try sequence.flush(report: record)
            #expect(reported.map(\.0) == Array(inputs.indices), "run \(run): reports out of order")
            for (index, result) in reported {
                switch (result, inputs[index].1) {
                case (.success(let digest)?, let expected?): #expect(digest == expected, "run \(run), input \(index)")
                case (.failure(let errno)?, nil): #expect(errno.rawValue == ENOENT)
                default: Issue.record("run \(run), input \(index): \(String(describing: result))")
                }
            }
        }
    }

    @Test("the pool never holds more chunk buffers than its width, and one file starts no thread")
    func bufferBound() throws {
        let hash = try HashTransform("sha256", engine: .software)
        defer { hash.release() }
        let (directory, names, digests) = try Self.files(hash)
        defer { withExtendedLifetime(directory) {} }
        for width in [2, 3, 5] {
            let pool = DigestPool(hash: hash, width: width)
            defer { pool.shutdown() }
            var tickets: [(Int, Int)] = []
            for (index, name) in names.enumerated() {
                pool.waitForRoom()
                tickets.append((pool.submit(try name.openOwned(O_RDONLY)), index))
            }
            for (ticket, index) in tickets {
                #expect(try pool.outcome(of: ticket).get().get() == digests[index])
            }
            #expect(pool.buffersAllocated >= 1 && pool.buffersAllocated <= width)
        }
        // One file: hashed on this thread when its outcome is asked for (no worker to take it).
        let single = DigestPool(hash: hash, width: 4)
        defer { single.shutdown() }
        let ticket = single.submit(try names[0].openOwned(O_RDONLY))
        #expect(single.outcome(ifFinished: ticket) == nil)
        #expect(try single.outcome(of: ticket).get().get() == digests[0])
        #expect(single.buffersAllocated == 1)
    }

    @Test("shutdown with files queued and running ends the workers and closes every file")
    func abandonedRun() throws {
        let hash = try HashTransform("sha256", engine: .software)
        defer { hash.release() }
        let (directory, names, _) = try Self.files(hash)
        defer { withExtendedLifetime(directory) {} }
        // Only descriptors on this test's own files count: other suites run in parallel and open and close theirs
        // (a process-wide count failed once under ThreadSanitizer for that reason).
        func openHere() -> Int {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.filter {
                ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) ?? "")
                    .hasPrefix(directory.path)
            }.count
        }
        for width in [2, 4, 8] {
            let pool = DigestPool(hash: hash, width: width)
            for name in names.prefix(width) { _ = pool.submit(try name.openOwned(O_RDONLY)) }
            pool.shutdown()
            pool.shutdown()
        }
        #expect(openHere() == 0)
    }
}

/// `--jobs` on the command line, and a run that fails part way (stdout full) with files still hashing.
@Suite struct DigestJobsOptionTests {
    typealias C = DigestCompatibilityTests

    @Test("--jobs outside 1…256 or not a number is a usage error (exit 64) naming the range")
    func validation() throws {
        let directory = try ScratchDirectory("dgst-jobs")
        try directory.write(b("a"), b("a"))
        for value in ["0", "-1", "257", "two"] {
            let run = try ByteProcess.kcrypto(C.dgst + [b("sha256"), b("--jobs=\(value)"), b("a")], directory: directory.path)
            let err = String(decoding: run.stderr, as: UTF8.self)
            #expect(run.status == 64 && run.stdout.isEmpty, "\(value): \(run)")
            #expect(value == "two" ? err.contains("--jobs") : err.contains("--jobs \(value): give 1 to 256 files at once"), "\(err)")
        }
    }

    @Test("stdout on /dev/full: the same message and status with --jobs 1 and --jobs 4 (the pool stops)")
    func stdoutFull() throws {
        let directory = try ScratchDirectory("dgst-full")
        var arguments: [[UInt8]] = []
        for i in 0..<40 {
            try directory.write(b("f\(i)"), Array(repeating: UInt8(i), count: 50_000 + i))
            arguments.append(b("f\(i)"))
        }
        var runs: [ByteProcess.Output] = []
        for jobs in ["1", "4"] {
            let script = "exec \"$0\" \"$@\" > /dev/full"
            runs.append(try ByteProcess.run("/bin/sh", [b("-c"), b(script), b(KcryptoProcess.executableURL.path)] + C.dgst
                + [b("sha256"), b("--jobs"), b(jobs)] + arguments, directory: directory.path))
        }
        #expect(runs[0].status != 0 && runs[0].stderr.count > 10)
        #expect(runs[0] == runs[1], "--jobs 1: \(runs[0])\n--jobs 4: \(runs[1])")
    }
}
