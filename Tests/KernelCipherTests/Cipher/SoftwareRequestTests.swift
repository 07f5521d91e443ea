import Testing
@testable import KernelCipher

@Suite("Software engine: requests, completions, async")
struct SoftwareRequestTests {
    @Test func parallelStress() throws { try RequestConformance.parallelStress(.software, requests: 10_000, threads: 8) }
    @Test func busyAndBacklog() throws { try RequestConformance.busyAndBacklog(.software) }
    @Test func releaseFailsQueued() throws { try RequestConformance.releaseFailsQueued(.software) }
    @Test func callerBuffers() throws { try RequestConformance.callerBuffers(.software) }
    @Test func asyncForms() async throws { try await RequestConformance.asyncForms(.software) }
    @Test func descriptorHygiene() throws { try RequestConformance.descriptorHygiene(.software, requests: 30_000) }
    @Test func neverBusyWithMayBacklog() throws { try BacklogConformance.neverBusyWithMayBacklog(.software) }
    @Test func statusReportsBacklog() throws { try BacklogConformance.statusReportsBacklog(.software) }
}

@Suite("Software engine: async inline limit")
struct SoftwareAsyncInlineLimitTests {
    @Test func engineDefaultAndOverride() throws {
        let byDefault = try CipherTransform("ctr(aes)", engine: .software)
        #expect(byDefault.asyncInlineLimit == 1 << 20)
        #expect(byDefault.options.asyncInlineLimit == nil)
        let overridden = try CipherTransform("ctr(aes)", engine: .software, options: .init(asyncInlineLimit: 0))
        #expect(overridden.asyncInlineLimit == 0)
    }

    /// Both sides of the default limit (inline, then handed to a worker) give the synchronous result.
    @Test func bothSidesOfTheDefaultLimit() async throws {
        let tfm = try CipherTransform("cbc(aes)", engine: .software)
        try tfm.setKey([UInt8](repeating: 9, count: 16))
        let iv = [UInt8](repeating: 3, count: 16)
        for size in [tfm.asyncInlineLimit, tfm.asyncInlineLimit + 16] {
            let data = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let viaAsync = try await tfm.encrypt(data, iv: iv)
            let viaSync: [UInt8] = try { try tfm.encrypt(data, iv: iv) }()
            #expect(viaAsync == viaSync, "\(size) bytes")
            #expect(try await tfm.decrypt(viaAsync, iv: iv) == data, "\(size) bytes")
        }
    }
}
