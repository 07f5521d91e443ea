import Foundation
import KernelCipherTestSupport
import Testing

@Suite struct ListCommandTests {
    @Test func textTableGroupsDriversAndMarksSelected() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["list", "--proc-file", path])
        #expect(out.status == 0)
        #expect(out.stderr.isEmpty)
        let lines = out.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("NAME") == true)
        // cbc(aes): aesni (400) first and selected, the fixed-time lskcipher below it, unmarked, no name repeated.
        let cbc = try #require(lines.firstIndex { $0.hasPrefix("cbc(aes) ") })
        #expect(lines[cbc].contains("*  cbc-aes-aesni"))
        #expect(lines[cbc + 1].hasPrefix(" "))
        #expect(lines[cbc + 1].contains("cbc(ecb(aes-fixed-time))"))
        #expect(!lines[cbc + 1].contains("*"))
        // Internal helpers are hidden without --all.
        #expect(!out.stdout.contains("__cbc"))
        #expect(out.stdout.contains("3 names, 4 drivers"))
        // Columns line up: every DRIVER cell starts at the same offset.
        let driverColumn = try #require(lines[0].range(of: "DRIVER")).lowerBound.utf16Offset(in: lines[0])
        #expect(lines[cbc].dropFirst(driverColumn).hasPrefix("cbc-aes-aesni"))
    }

    @Test func allIncludesInternal() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["list", "--all", "--proc-file", path])
        #expect(out.status == 0)
        #expect(out.stdout.contains("__cbc-aes-aesni"))
        #expect(out.stdout.contains("(internal)"))
    }

    @Test func typeFilterUsesAFALGSocketTypes() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["list", "--type", "skcipher", "--format", "json", "--proc-file", path])
        #expect(out.status == 0)
        let algorithms = try #require(try out.json()["algorithms"] as? [[String: Any]])
        #expect(algorithms.compactMap { $0["name"] as? String } == ["cbc(aes)"])
        let raw = try KcryptoProcess.run(["list", "-t", "cipher", "--format", "json", "--proc-file", path])
        let rawAlgorithms = try #require(try raw.json()["algorithms"] as? [[String: Any]])
        #expect(rawAlgorithms.compactMap { $0["name"] as? String } == ["aes"])
    }

    @Test func jsonHasDriversSortedAndOneSelectedPerType() throws {
        let path = try Fixtures.write(Fixtures.procCryptoSample)
        let out = try KcryptoProcess.run(["list", "--format", "json", "--proc-file", path])
        #expect(out.status == 0)
        let json = try out.json()
        #expect(json["source"] as? String == path)
        let algorithms = try #require(json["algorithms"] as? [[String: Any]])
        #expect(algorithms.compactMap { $0["name"] as? String } == ["aes", "cbc(aes)", "gcm(aes)"])
        let cbc = try #require(algorithms.first { $0["name"] as? String == "cbc(aes)" })
        let drivers = try #require(cbc["drivers"] as? [[String: Any]])
        #expect(drivers.compactMap { $0["driver"] as? String } == ["cbc-aes-aesni", "cbc(ecb(aes-fixed-time))"])
        #expect(drivers.compactMap { $0["selected"] as? Bool } == [true, false])
        #expect(drivers.compactMap { $0["socketType"] as? String } == ["skcipher", "skcipher"])
        #expect(drivers.compactMap { $0["priority"] as? Int } == [400, 101])
        // Keys are sorted (JSONEncoder .sortedKeys): "driver" precedes "name" in the text.
        let text = out.stdout
        #expect(try #require(text.range(of: "\"driver\"")).lowerBound < #require(text.range(of: "\"name\"")).lowerBound)
    }

    @Test(arguments: Fixtures.procCryptoSnapshots)
    func listsEverySnapshotName(url: URL) throws {
        let out = try KcryptoProcess.run(["list", "--all", "--format", "json", "--proc-file", url.path])
        #expect(out.status == 0)
        let algorithms = try #require(try out.json()["algorithms"] as? [[String: Any]])
        let names = Set(try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("name ") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) })
        #expect(algorithms.count == names.count)
    }

    @Test func liveProcCrypto() throws {
        let out = try KcryptoProcess.run(["list"])
        #expect(out.status == 0)
        #expect(out.stdout.hasPrefix("NAME"))
    }
}
