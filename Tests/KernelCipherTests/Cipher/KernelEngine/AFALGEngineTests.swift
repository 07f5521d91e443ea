import Foundation
import KernelCipherTestSupport
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// The kernel engine through real AF_ALG sockets: the same checks the software engine passes.
/// Runs inside the test VM (Scripts/test); skipped on hosts without AF_ALG.
@Suite("AF_ALG kernel engine", .requiresAFALG, .serialized)
struct AFALGEngineTests {
    @Test(arguments: VectorFile.algorithms)
    func knownAnswers(algorithm: String) throws {
        try requireAFALG()
        try Conformance.knownAnswers(algorithm, .kernel)
    }

    @Test func properties() throws { try requireAFALG(); try Conformance.properties(.kernel) }
    @Test func errors() throws { try requireAFALG(); try Conformance.errors(.kernel) }
    @Test func randomRoundTrips() throws { try requireAFALG(); try Conformance.roundTrips(.kernel, iterations: 10) }

    @Test func automaticPicksKernel() throws {
        try requireAFALG()
        let tfm = try CipherTransform("cbc(aes)")
        #expect(tfm.engine == .kernel)
        #expect(tfm.properties.priority != nil)
        #expect(CipherTransform.isAvailable("cbc(aes)", engine: .kernel))
        #expect(!CipherTransform.isAvailable("cbc(nosuch)", engine: .kernel))
    }

    @Test func keyCopyIsZeroizedOnceTheKernelHasIt() throws {
        try requireAFALG()
        let tfm = try Conformance.makeTransform("cbc(aes)", .kernel, key: [UInt8](repeating: 0xC3, count: 16))
        let storage = try #require(tfm.keyStorage)
        #expect(storage.isZeroized)
        #expect(try tfm.encrypt([UInt8](repeating: 0, count: 16), iv: [UInt8](repeating: 0, count: 16)).count == 16)
    }
}

/// Request handling through real op sockets, in both completion modes.
@Suite("AF_ALG kernel engine: requests", .requiresAFALG, .serialized)
struct AFALGRequestTests {
    static let modes: [CompletionMode] = [.aio, .threads]

    @Test(arguments: modes) func parallelStress(mode: CompletionMode) throws {
        try requireAFALG(); try RequestConformance.parallelStress(.kernel, mode, requests: 10_000, threads: 8)
    }
    @Test(arguments: modes) func busyAndBacklog(mode: CompletionMode) throws {
        try requireAFALG(); try RequestConformance.busyAndBacklog(.kernel, mode)
    }
    @Test(arguments: modes) func releaseFailsQueued(mode: CompletionMode) throws {
        try requireAFALG(); try RequestConformance.releaseFailsQueued(.kernel, mode)
    }
    @Test(arguments: modes) func callerBuffers(mode: CompletionMode) throws {
        try requireAFALG(); try RequestConformance.callerBuffers(.kernel, mode)
    }
    @Test(arguments: modes) func asyncForms(mode: CompletionMode) async throws {
        try requireAFALG(); try await RequestConformance.asyncForms(.kernel, mode)
    }
    @Test(arguments: modes) func descriptorHygiene(mode: CompletionMode) throws {
        try requireAFALG(); try RequestConformance.descriptorHygiene(.kernel, mode, requests: 50_000)
    }

    @Test func automaticModeFollowsTheProbe() throws {
        try requireAFALG()
        let probe = AIOProbe.run()
        print("AFALG-AIO probe: \(probe)")
        let tfm = try CipherTransform("cbc(aes)", engine: .kernel)
        // Linux 7.2 removed socket AIO: io_submit is accepted there but synchronous, so threads are picked.
        let aioUseful = probe.accepted && AIOProbe.kernelHasSocketAIO(release: KernelRelease.current)
        #expect(tfm.completionMode == (aioUseful ? .aio : .threads), "\(AIOProbe.automaticCompletion)")
        if !AIOProbe.kernelHasSocketAIO(release: KernelRelease.current) {
            #expect(probe.accepted && !probe.isAsynchronous, "7.2+: io_submit accepted, completes synchronously")
        }
        #expect(tfm.asyncInlineLimit == 16 << 10, "the kernel engine's default inline limit")
    }

    /// On 6.1.0-47 a cryptd-backed transform completes io_submit reads later; requests on it still complete
    /// exactly once with the right context and bytes, in AIO mode.
    /// Since 7.2 asynchronous drivers are unreachable through AF_ALG: the bind fails (and the policy, where there is
    /// one, reads it as not on its allowlist).
    @Test func asynchronousDriverThroughAIO() throws {
        try requireAFALG()
        let driver = "cryptd(cbc(aes-generic))"
        guard KernelExpectation.asyncDriversReachable else {
            #expect(!AIOProbe.run(algorithm: driver, attempts: 1).accepted)
            do {
                _ = try CipherTransform(driver, engine: .kernel)
                Issue.record("\(driver) bound on \(KernelRelease.current)")
            } catch {
                // Not found; under af_alg_restrict=1 it may read as refused (not on the allowlist either).
                switch error {
                case .algorithmNotFound: break
                case .refusedByPolicy where AFALGPolicy.current.restrictLevel == 1: break
                default: Issue.record("\(driver): \(error)")
                }
            }
            return
        }
        let probe = AIOProbe.run(algorithm: driver, attempts: 16, size: 65536)
        print("AFALG-AIO \(driver): \(probe)")
        #expect(probe.accepted)
        if kernelRelease().hasPrefix("6.1.0-47") {
            #expect(probe.isAsynchronous, "6.1.0-47 queues AIO reads on an asynchronous driver")
        }
        let key = (0..<16).map { UInt8($0 + 1) }
        let tfm = try Conformance.makeTransform(driver, .kernel, key: key, options: .init(completionMode: .aio))
        #expect(tfm.driver == driver)
        let reference = try Conformance.makeTransform("cbc(aes)", .software, key: key)
        let collector = RequestConformance.Collector()
        let order = Mutex<[Int]>([])
        let count = 2_000
        for i in 0..<count {
            let data = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 16 * (1 + i % 64))
            try CipherRequest(transform: tfm, input: data, iv: [UInt8](repeating: UInt8(i % 251), count: 16), context: i) {
                request, result in
                order.withLock { $0.append(request.context) }
                collector.record(request.context, result)
            }.encrypt()
        }
        collector.wait(for: count)
        let completed = order.withLock { $0 }
        let outOfOrder = zip(completed, completed.dropFirst()).filter { $0 > $1 }.count
        print("AFALG-AIO \(driver): \(count) requests, \(outOfOrder) completions arrived before an earlier-submitted one")
        let table = collector.calls.withLock { $0 }
        for i in 0..<count {
            let data = [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: 16 * (1 + i % 64))
            let expected = try reference.encrypt(data, iv: [UInt8](repeating: UInt8(i % 251), count: 16))
            #expect(table[i]?.count == 1 && (try? table[i]?.output.get()) == expected, "context \(i)")
        }
    }
}

/// Kernel output == OpenSSL output, for every algorithm both engines offer here.
@Suite("AF_ALG differential: kernel vs software", .requiresAFALG, .serialized)
struct AFALGDifferentialTests {
    static let algorithms = [
        "ecb(aes)", "cbc(aes)", "ctr(aes)", "xts(aes)", "cts(cbc(aes))", "rfc3686(ctr(aes))", "chacha20",
        "cbc(des3_ede)", "ecb(des3_ede)", "cbc(sm4)", "ctr(sm4)", "ecb(camellia)", "cbc(camellia)", "ctr(camellia)",
    ]

    @Test(arguments: algorithms)
    func kernelMatchesSoftware(algorithm: String) throws {
        try requireAFALG()
        guard CipherTransform.isAvailable(algorithm, engine: .software) else {
            Issue.record("software engine lacks \(algorithm)"); return
        }
        guard CipherTransform.isAvailable(algorithm, engine: .kernel) else {
            // Reported, not silently skipped: the count of compared algorithms is printed below.
            print("AFALG-DIFF \(algorithm): kernel does not offer it here")
            return
        }
        let kernel = try CipherTransform(algorithm, engine: .kernel)
        let software = try CipherTransform(algorithm, engine: .software)
        var rng = SystemRandomNumberGenerator()
        let sizes = Set(kernel.keySizes ?? []).intersection(software.keySizes ?? []).sorted()
        try #require(!sizes.isEmpty)
        var compared = 0
        var lengths = [0, 1, 15, 16, 17, 31, 64, 1000, 4096, 65536, 65536 + 16, 1 << 20]
        for _ in 0..<30 { lengths.append(Int.random(in: 0...70_000, using: &rng)) }
        for length in lengths {
            var n = length
            if kernel.properties.requiresBlockMultiple { n -= n % kernel.blockSize }
            if n < kernel.properties.minimumInput { continue }
            if let limit = kernel.maximumRequestSize, n > limit { n = limit }
            let key = randomBytes(sizes.randomElement(using: &rng)!, using: &rng)
            if Self.rejects(software, key) { continue }
            try kernel.setKey(key)
            let iv = randomBytes(kernel.ivSize, using: &rng)
            let data = randomBytes(n)
            let k = try kernel.encrypt(data, iv: iv)
            #expect(k == (try software.encrypt(data, iv: iv)), "\(algorithm) encrypt \(n) bytes")
            #expect(try kernel.decrypt(k, iv: iv) == data, "\(algorithm) decrypt \(n) bytes")
            compared += 1
        }
        print("AFALG-DIFF \(algorithm): \(compared) random cases, kernel == software (driver \(kernel.driver))")
        #expect(compared > 10)
    }

    /// OpenSSL refuses XTS keys with equal halves; such random keys are skipped, not compared.
    static func rejects(_ software: CipherTransform, _ key: [UInt8]) -> Bool {
        do { try software.setKey(key); return false } catch { return true }
    }

    /// Thousands of small random cases per mode: random key length, key, IV and length (≤ 4 KiB).
    @Test(arguments: ["ecb(aes)", "cbc(aes)", "ctr(aes)"])
    func thousandsOfRandomCases(algorithm: String) throws {
        try requireAFALG()
        let kernel = try CipherTransform(algorithm, engine: .kernel)
        let software = try CipherTransform(algorithm, engine: .software)
        var rng = SystemRandomNumberGenerator()
        let cases = 1_500
        for i in 0..<cases {
            let key = randomBytes([16, 24, 32].randomElement(using: &rng)!)
            try kernel.setKey(key)
            try software.setKey(key)
            let iv = randomBytes(kernel.ivSize)
            var n = Int.random(in: 0...4096, using: &rng)
            if kernel.properties.requiresBlockMultiple { n -= n % 16 }
            let data = randomBytes(n)
            let k = try kernel.encrypt(data, iv: iv)
            #expect(k == (try software.encrypt(data, iv: iv)), "\(algorithm) case \(i), \(n) bytes")
            #expect(try software.decrypt(k, iv: iv) == data)
        }
        print("AFALG-DIFF \(algorithm): \(cases) small random cases, kernel == software")
    }

    /// One call far above the 64 KiB a single `sendmsg` carries: the engine's pieces form one kernel request (the
    /// IV chained by the kernel); these modes have no request limit. 4 MiB proves what 16 MiB did for a quarter of
    /// the TCG time (16 MiB took 65 s a run on 6.12).
    @Test(arguments: ["ecb(aes)", "cbc(aes)", "ctr(aes)"])
    func severalMiBInOneRequest(algorithm: String) throws {
        try requireAFALG()
        let key = (0..<32).map { UInt8($0 ^ 0x5c) }
        let kernel = try Conformance.makeTransform(algorithm, .kernel, key: key)
        let software = try Conformance.makeTransform(algorithm, .software, key: key)
        let iv = [UInt8](repeating: 0xAB, count: kernel.ivSize)
        #expect(kernel.maximumRequestSize == nil)
        let data = randomBytes((4 << 20) + (algorithm == "ctr(aes)" ? 5 : 0))
        let k = try kernel.encrypt(data, iv: iv)
        #expect(k == (try software.encrypt(data, iv: iv)))
        #expect(try kernel.decrypt(k, iv: iv) == data)
    }

    @Test func oversizedNonChainingRequestIsRefused() throws {
        try requireAFALG()
        let xts = try Conformance.makeTransform("xts(aes)", .kernel, key: (0..<32).map { UInt8($0) })
        let limit = try #require(xts.maximumRequestSize)
        #expect(throws: KernelCipherError.self) {
            try xts.encrypt([UInt8](repeating: 0, count: limit + 16), iv: [UInt8](repeating: 0, count: 16))
        }
        #expect(try xts.encrypt([UInt8](repeating: 0, count: limit), iv: [UInt8](repeating: 0, count: 16)).count == limit)
    }
}
