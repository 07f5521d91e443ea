import Foundation
import KernelCipherTestSupport
import Testing

/// `kcrypto speed -c sha256 / 'hmac(sha256)'`: hash rows in the skcipher CSV columns.
@Suite struct DigestSpeedTests {
    @Test("speed -c sha256 -c 'hmac(sha256)' --format csv: one row per engine × algorithm × size × inflight")
    func csvRows() throws {
        let out = try KcryptoProcess.run([
            "speed", "-c", "sha256", "-c", "hmac(sha256)", "--engine", "software", "--sizes", "64,4096",
            "--inflight", "1,3", "--seconds", "0.05", "--repeat", "1", "--format", "csv",
        ])
        #expect(out.status == 0, Comment(rawValue: out.stderr))
        let lines = out.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps,api,repeats,ns_min,ns_max,driver,allocs_per_msg")
        let rows = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 8)
        for row in rows {
            #expect(row[0] == "swift" && row[1] == "software" && ["sha256", "\"hmac(sha256)\"", "hmac(sha256)"].contains(row[2]))
            #expect((Int(row[5]) ?? 0) > 0, "messages in \(row)")
            #expect(row[9] == (row[4] == "1" ? "sync" : "request"))
            #expect(row.last!.hasPrefix("openssl:"))
        }
    }
}
