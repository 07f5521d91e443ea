import Foundation
import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// Inside `async` code the `async` overloads shadow the synchronous ones; a synchronous closure called in place
/// reaches the synchronous form (the idiom README gives). This file compiles only while that
/// holds, and the bytes must equal the async form's.
@Suite("Runtime: synchronous forms from async code")
struct SyncFromAsyncTests {
    @Test func synchronousFormsReachableFromAsync() async throws {
        let key = [UInt8](repeating: 7, count: 16), iv = [UInt8](repeating: 1, count: 16)
        let nonce = [UInt8](repeating: 2, count: 12), message = Array("from async code!".utf8)
        let cbc = try CipherTransform("cbc(aes)", engine: .software)
        try cbc.setKey(key)
        let gcm = try AEADTransform("gcm(aes)", engine: .software)
        try gcm.setKey(key)
        let sha = try HashTransform("sha256", engine: .software)

        let syncCBC = try { () throws(KernelCipherError) in try cbc.encrypt(message + message, iv: iv) }()
        let syncGCM = try { () throws(KernelCipherError) in try gcm.encrypt(message, iv: nonce) }()
        let syncSHA = try { () throws(KernelCipherError) in try sha.digest(message) }()
        #expect(try await syncCBC == cbc.encrypt(message + message, iv: iv))
        #expect(try await syncGCM == gcm.encrypt(message, iv: nonce))
        #expect(try await syncSHA == sha.digest(message))
    }
}
