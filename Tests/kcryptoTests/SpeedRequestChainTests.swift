import Foundation
import KernelCipher
import Testing
@testable import kcrypto

/// `kcrypto speed`'s request chain and async loop: a failing request ends the run with its own error (issue 20:
/// the AEAD chain reported every failure as `.busy`), for every family, on the software engine.
@Suite struct SpeedRequestChainTests {
    /// One keyed transform per family, the way `kcrypto speed` opens them.
    static func subjects() throws -> [any SpeedSubject] {
        try ["cbc(aes)", "gcm(aes)", "sha256"].map { try Kcrypto.Speed.open($0, engine: .software) }
    }

    @Test("every family: N requests in flight complete and are counted")
    func chainsComplete() throws {
        for subject in try Self.subjects() {
            defer { subject.release() }
            let sample = try SpeedRequestChain.run(subject, size: 64, inflight: 16, seconds: 0.02)
            #expect(sample.messages >= 16, "\(subject.driver)")
        }
    }

    @Test("every family: a transform released before the run is reported as .transformReleased, not .busy")
    func releasedBeforeRun() throws {
        for subject in try Self.subjects() {
            subject.release()
            #expect(throws: KernelCipherError.transformReleased, "\(subject.driver)") {
                try SpeedRequestChain.run(subject, size: 64, inflight: 4, seconds: 0.02)
            }
        }
    }

    @Test("every family: a transform released while requests are queued ends the run with .transformReleased")
    func releasedMidRun() throws {
        for subject in try Self.subjects() {
            // More chains than the transform runs at once, so some wait in its backlog when it is released; the run
            // would last 30 s if the failure did not end it.
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 0.05)
                subject.release()
            }
            #expect(throws: KernelCipherError.transformReleased, "\(subject.driver)") {
                try SpeedRequestChain.run(subject, size: 4096, inflight: 64, seconds: 30)
            }
        }
    }

    @Test("a request refused for its input length is reported as that error")
    func badInputLength() throws {
        let cbc = try Kcrypto.Speed.open("cbc(aes)", engine: .software)
        defer { cbc.release() }
        #expect(throws: KernelCipherError.inputNotBlockMultiple(length: 15, blockSize: 16)) {
            try SpeedRequestChain.run(cbc, size: 15, inflight: 8, seconds: 0.02)
        }
    }

    @Test("every family: the async loop reports a released transform as .transformReleased")
    func asyncReleased() async throws {
        for subject in try Self.subjects() {
            subject.release()
            await #expect(throws: KernelCipherError.transformReleased, "\(subject.driver)") {
                try await subject.measure(.async, size: 64, inflight: 4, seconds: 0.02)
            }
        }
    }
}
