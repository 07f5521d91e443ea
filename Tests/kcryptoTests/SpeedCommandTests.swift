import Foundation
import Testing

/// Smoke tests of `kcrypto speed`: well-formed output only (no timing assertions; this is not a benchmark).
@Suite struct SpeedCommandTests {
    static let base = ["speed", "-c", "ctr(aes)", "--engine", "software", "--sizes", "16,4096",
                       "--inflight", "1,4", "--seconds", "0.05", "--repeat", "1"]

    @Test func csvHasHeaderAndOneLinePerCell() throws {
        let out = try KcryptoProcess.run(Self.base + ["--format", "csv"])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map(String.init)
        let header = "impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps,api,repeats,ns_min,ns_max,driver,allocs_per_msg"
        #expect(lines.first == header)
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 4)  // 2 sizes × (sync, request×4)
        for row in rows {
            #expect(row.count == 15, "\(row)")
            guard row.count == 15 else { continue }
            #expect(row[14] == "", "allocations are counted only with the counter preloaded")
            #expect(row[0] == "swift" && row[1] == "software" && row[2] == "ctr(aes)")
            #expect(["16", "4096"].contains(row[3]))
            #expect(row[9] == (row[4] == "1" ? "sync" : "request"))
            #expect((Int(row[5]) ?? 0) > 0)
            for column in [6, 7, 8, 11, 12] { #expect(Double(row[column]) != nil, "column \(column): \(row)") }
        }
    }

    @Test func jsonListsResultsWithAsyncRows() throws {
        let out = try KcryptoProcess.run(Self.base + ["--format", "json", "--async"])
        #expect(out.status == 0, "stderr: \(out.stderr)")
        let json = try out.json()
        #expect(json["repeats"] as? Int == 1)
        let results = try #require(json["results"] as? [[String: Any]])
        #expect(results.count == 8)  // 2 sizes × (sync, request×4, async×1, async×4)
        #expect(Set(results.compactMap { $0["api"] as? String }) == ["sync", "request", "async"])
        for cell in results {
            #expect((cell["messages"] as? Int ?? 0) > 0)
            #expect(cell["nsPerMessage"] is Double || cell["nsPerMessage"] is Int)
            #expect(cell["engine"] as? String == "software")
        }
    }

    @Test("a request that fails is reported with its own error, not as busy (ccm(aes): the benchmark IV's first byte is refused)")
    func failingRequestNamesItsError() throws {
        let out = try KcryptoProcess.run(["speed", "-c", "ccm(aes)", "--engine", "software", "--sizes", "16",
                                          "--inflight", "1,4", "--seconds", "0.05", "--repeat", "1"])
        let reason = "invalid IV: the first byte of a ccm IV (L - 1) must be 1...7"
        #expect(out.stderr.contains("skipping ccm(aes) software sync size 16: \(reason)"), "\(out.stderr)")
        #expect(out.stderr.contains("skipping ccm(aes) software request size 16: \(reason)"), "\(out.stderr)")
        #expect(!out.stderr.contains("busy"), "\(out.stderr)")
        #expect(out.status == 1)  // nothing measured
    }

    @Test func rejectsBadArguments() throws {
        #expect(try KcryptoProcess.run(["speed", "--sizes", "16,x"]).status != 0)
        #expect(try KcryptoProcess.run(["speed", "--seconds", "0"]).status != 0)
        let missing = try KcryptoProcess.run(["speed", "-c", "no-such(alg)", "--engine", "software", "--seconds", "0.01"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no-such(alg)"))
    }
}
