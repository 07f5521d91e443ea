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
}
