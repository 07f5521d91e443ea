import Foundation
import Testing

/// Issue #22 target 1's allocation half, counted by Benchmarks/AllocationCounter preloaded into `kcrypto speed`:
/// a synchronous call into caller memory allocates nothing (beyond what OpenSSL allocates inside the digest), and
/// a callback request costs one allocation more than the synchronous call (its job), in every family.
/// Not under the sanitizers: their runtimes replace malloc and must come first in the library list.
@Suite(.disabled(if: ProcessInfo.processInfo.environment["TSAN_OPTIONS"] != nil
                    || ProcessInfo.processInfo.environment["ASAN_OPTIONS"] != nil,
                 "the sanitizers intercept malloc themselves"))
struct SpeedAllocationTests {
    /// The shim, compiled from the repository's source with the system C compiler into a temporary directory.
    static func counter(in directory: URL) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/AllocationCounter/allocation-counter.c").path
        let library = directory.appendingPathComponent("allocation-counter.so").path
        let built = try ByteProcess.run("cc", [Array("-O2".utf8), Array("-shared".utf8), Array("-fPIC".utf8),
                                              Array("-o".utf8), Array(library.utf8), Array(source.utf8)],
                                        directory: directory.path)
        try #require(built.status == 0, "cc: \(String(decoding: built.stderr, as: UTF8.self))")
        return library
    }

    @Test func requestsCostOneAllocationMoreThanTheCall() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alloc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let library = try Self.counter(in: directory)
        let arguments = ["speed", "-c", "cbc(aes)", "-c", "gcm(aes)", "-c", "sha256", "-c", "hmac(sha256)",
                         "--engine", "software", "--sizes", "16,4096", "--inflight", "1,4", "--seconds", "0.05",
                         "--repeat", "1", "--format", "csv"]
        let out = try ByteProcess.run(KcryptoProcess.executableURL.path, arguments.map { Array($0.utf8) },
                                      directory: directory.path, environment: ["LD_PRELOAD": library])
        let stdout = String(decoding: out.stdout, as: UTF8.self)
        #expect(out.status == 0, "\(String(decoding: out.stderr, as: UTF8.self))")
        // algorithm, size, api → allocations per message (the algorithm may be quoted: it has no comma here).
        var allocations: [String: Double] = [:]
        for line in stdout.split(separator: "\n").dropFirst() {
            let row = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard row.count == 15, let count = Double(row[14]) else {
                Issue.record("no allocation count in \(line)")
                continue
            }
            allocations["\(row[2]) \(row[3]) \(row[9])"] = count
        }
        #expect(allocations.count == 16, "\(stdout)")
        for algorithm in ["cbc(aes)", "gcm(aes)", "sha256", "hmac(sha256)"] {
            for size in [16, 4096] {
                guard let sync = allocations["\(algorithm) \(size) sync"],
                      let request = allocations["\(algorithm) \(size) request"] else { continue }
                if !algorithm.contains("sha") { #expect(sync < 0.05, "\(algorithm) \(size): synchronous call allocates") }
                // One job per request; setup (threads, buffers) is spread over thousands of messages.
                #expect(request - sync < 1.1, "\(algorithm) \(size): request \(request) vs call \(sync)")
                #expect(request - sync > 0.9, "\(algorithm) \(size): the counter must see the job")
            }
        }
    }
}
