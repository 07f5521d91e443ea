#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import KernelCipher

@Suite struct DiagnosticsTests {
    static func unameRelease() -> String {
        var u = utsname()
        _ = uname(&u)
        return withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    @Test func collectsHostFacts() throws {
        let d = Diagnostics.collect()
        #expect(d.kernelRelease == Self.unameRelease())
        #expect(!d.machine.isEmpty)
        #expect(d.afALG.succeeded == AFALGAvailability.current.isAvailable)
        #expect(d.afALG.succeeded == (d.afALG.error == nil))
        #expect(d.libkcapiVersion.hasPrefix("libkcapi "))
        #expect(d.openSSLVersion.hasPrefix("OpenSSL 3"))
        #expect(d.modules.map(\.name) == KernelModuleStatus.relevantModules)
        #expect(d.moduleSupport == (access("/proc/modules", F_OK) == 0))
        #expect((d.afALGRestrict != nil) == (access("/proc/sys/crypto/af_alg_restrict", F_OK) == 0))
        #expect(d.cryptoUserNetlink.succeeded == (d.cryptoUserNetlink.error == nil))
        // The AIO probe and the automatic choice are checked for real.
        #expect(d.engine.aioAccepted != nil)
        if !AFALGAvailability.current.isAvailable { #expect(d.engine.aioAccepted == false) }
        let xts = try #require(d.engine.automaticChoices?.first { $0.algorithm == "xts(aes)" })
        #expect(xts.engine == (AFALGAvailability.current.isAvailable ? "kernel" : "software"))
    }

    @Test func summarizesProcCrypto() throws {
        let d = Diagnostics.collect()
        let live = try ProcCrypto.read()
        #expect(d.procCrypto.error == nil)
        #expect(d.procCrypto.entries == live.entries.count)
        #expect(d.procCrypto.types?.values.reduce(0, +) == live.entries.count)
        #expect((d.procCrypto.bindableNames ?? 0) <= live.names.count)
    }

    @Test func unreadableProcCryptoIsReportedNotThrown() {
        let d = Diagnostics.collect(procCryptoPath: "/nonexistent/crypto")
        #expect(d.procCrypto.error == "ENOENT")
        #expect(d.procCrypto.entries == nil)
    }

    @Test func engineProbeReceivesParsedProcCryptoAndIsReported() {
        let d = Diagnostics.collect { proc in
            EngineDiagnostics(aioAccepted: true, aioCompletesAsynchronously: false,
                              automaticChoices: [.init(algorithm: "entries", engine: "\(proc?.entries.count ?? -1)")])
        }
        #expect(d.engine.aioAccepted == true)
        #expect(d.engine.aioCompletesAsynchronously == false)
        #expect(d.engine.automaticChoices?.first?.engine == d.procCrypto.entries.map(String.init))
    }

    @Test func moduleNamesFromModulesFiles() {
        let names = KernelModuleStatus.moduleNames([
            "kernel/crypto/af_alg.ko", "kernel/crypto/algif_skcipher.ko.xz", "kernel/crypto/crypto-user.ko.zst",
            "not-a-module.txt", "",
        ])
        #expect(names == ["af_alg", "algif_skcipher", "crypto_user"])
    }

    @Test func libkcapiVersionMatchesPackage() {
        // libkcapi-dev 1.4.0 on Debian 12; only the major component is pinned.
        #expect(Diagnostics.libkcapiVersion().hasPrefix("libkcapi 1."))
    }

    @Test func codableRoundTrip() throws {
        let d = Diagnostics.collect()
        let data = try JSONEncoder().encode(d)
        #expect(try JSONDecoder().decode(Diagnostics.self, from: data) == d)
    }
}
