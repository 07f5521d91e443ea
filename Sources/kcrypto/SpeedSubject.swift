import Foundation
import KernelCipher

/// One transform as `kcrypto speed` drives it: the synchronous loop, the request chain and the async loop in
/// SpeedMeasurement.swift and SpeedRequestChain.swift serve every family through these few calls.
protocol SpeedSubject: Sendable {
    /// The family's transform type.
    associatedtype Family: SpeedTransform
    /// The family's callback request type.
    associatedtype Link: SpeedLink

    /// The transform measured.
    var transform: Family { get }
    /// IV bytes per message (0 for a hash).
    var ivSize: Int { get }
    /// Whether every request in flight gets its own input and output buffers (skcipher: the request writes into
    /// caller memory); otherwise all requests read one shared input and the transform allocates their outputs.
    var buffersPerRequest: Bool { get }
    /// Output bytes of the synchronous call for a message of `size` bytes.
    func outputCount(size: Int) -> Int
    /// One message on the calling thread, into caller memory (the allocation-free form).
    func run(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer)
        throws(KernelCipherError)
    /// A callback request over `input` (and `output` where the family writes into caller memory), both valid
    /// until its completion runs.
    func request(
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer, iv: [UInt8], context: Int,
        completion: @escaping @Sendable (Link, Result<[UInt8], KernelCipherError>) -> Void
    ) -> Link
    /// One message through the async API (a new output array per call).
    func runAsync(_ input: [UInt8], iv: [UInt8]) async throws(KernelCipherError)
    /// One timed period through `api` (SpeedMeasurement.swift; a requirement, so that each family gets the
    /// loops compiled for its own type).
    func measure(_ api: SpeedAPI, size: Int, inflight: Int, seconds: Double) async throws -> SpeedSample
}

/// What the transform of every family offers alike (`CipherTransform`, `AEADTransform`, `HashTransform`).
protocol SpeedTransform: Sendable {
    /// The engine that serves the transform.
    var engine: EngineKind { get }
    /// The implementation's name (`/proc/crypto` driver or `openssl:…`).
    var driver: String { get }
    /// Releases the transform.
    func release()
}

extension CipherTransform: SpeedTransform {}
extension AEADTransform: SpeedTransform {}
extension HashTransform: SpeedTransform {}

extension SpeedSubject {
    /// The engine that serves the transform.
    var engine: EngineKind { transform.engine }
    /// The implementation's name (`/proc/crypto` driver or `openssl:…`).
    var driver: String { transform.driver }
    /// Releases the transform.
    func release() { transform.release() }
}

/// A callback request that `SpeedRequestChain` submits again from its own completion.
protocol SpeedLink: Sendable {
    /// Submits the request: encryption for ciphers, the digest for hashes.
    func start() throws(KernelCipherError) -> RequestStatus
}

/// A skcipher (`cbc(aes)`, `ctr(aes)`, `xts(aes)`, …): encryption into caller buffers.
struct CipherSpeedSubject: SpeedSubject {
    let transform: CipherTransform
    var ivSize: Int { transform.ivSize }
    var buffersPerRequest: Bool { true }
    func outputCount(size: Int) -> Int { size }
    func run(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer)
        throws(KernelCipherError)
    {
        try transform.encrypt(input, into: output, iv: iv)
    }
    func request(
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer, iv: [UInt8], context: Int,
        completion: @escaping @Sendable (CipherRequest<Int>, Result<[UInt8], KernelCipherError>) -> Void
    ) -> CipherRequest<Int> {
        CipherRequest(transform: transform, input: input, output: output, iv: iv, context: context,
                      completion: completion)
    }
    func runAsync(_ input: [UInt8], iv: [UInt8]) async throws(KernelCipherError) {
        _ = try await transform.encrypt(input, iv: iv)
    }
}

extension CipherRequest: SpeedLink {
    func start() throws(KernelCipherError) -> RequestStatus { try encrypt() }
}

/// An AEAD (`gcm(aes)`, `rfc7539(chacha20,poly1305)`, …): encryption with empty associated data and the
/// algorithm's largest tag; `size` is the plaintext, so MB/s counts plaintext bytes.
struct AEADSpeedSubject: SpeedSubject {
    let transform: AEADTransform
    var ivSize: Int { transform.ivSize }
    var buffersPerRequest: Bool { true }
    func outputCount(size: Int) -> Int { size + transform.tagSize }
    func run(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer)
        throws(KernelCipherError)
    {
        _ = try transform.encrypt(input, into: output, iv: iv)
    }
    func request(
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer, iv: [UInt8], context: Int,
        completion: @escaping @Sendable (AEADRequest<Int>, Result<[UInt8], KernelCipherError>) -> Void
    ) -> AEADRequest<Int> {
        AEADRequest(transform: transform, input: input, output: output, iv: iv, context: context,
                    completion: completion)
    }
    func runAsync(_ input: [UInt8], iv: [UInt8]) async throws(KernelCipherError) {
        _ = try await transform.encrypt(input, iv: iv)
    }
}

extension AEADRequest: SpeedLink {
    func start() throws(KernelCipherError) -> RequestStatus { try encrypt() }
}

/// A hash or MAC (`sha256`, `hmac(sha256)`, …): one digest per message.
struct HashSpeedSubject: SpeedSubject {
    let transform: HashTransform
    var ivSize: Int { 0 }
    var buffersPerRequest: Bool { true }
    func outputCount(size: Int) -> Int { transform.digestSize }
    func run(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer, iv: UnsafeRawBufferPointer)
        throws(KernelCipherError)
    {
        try transform.digest(input, into: output)
    }
    func request(
        input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer, iv: [UInt8], context: Int,
        completion: @escaping @Sendable (HashRequest<Int>, Result<[UInt8], KernelCipherError>) -> Void
    ) -> HashRequest<Int> {
        HashRequest(transform: transform, input: input, output: output, context: context, completion: completion)
    }
    func runAsync(_ input: [UInt8], iv: [UInt8]) async throws(KernelCipherError) {
        _ = try await transform.digest(input)
    }
}

extension HashRequest: SpeedLink {
    func start() throws(KernelCipherError) -> RequestStatus { try digest() }
}
