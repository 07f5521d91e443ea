#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The padding a ``CipherStream`` adds when encrypting and checks and strips when decrypting.
public enum CipherPadding: Sendable, Hashable {
    /// PKCS#7: 1…blockSize bytes each holding the pad length (block modes such as ecb and cbc only).
    case pkcs7
    /// No padding: the message's total length must suit the algorithm (whole blocks for ecb and cbc).
    case none
}

/// One message encrypted or decrypted in pieces of any size (libkcapi's `kcapi_cipher_stream_*`, OpenSSL's
/// `EVP_CipherUpdate`/`EVP_CipherFinal_ex`), giving exactly the bytes one request over the whole message gives.
///
/// The stream cuts the bytes it is fed into requests on its ``CipherTransform``, each a whole number of the
/// algorithm's chaining unit and at most ``CipherTransform/maximumRequestSize``, and carries the IV from one request
/// to the next by the transform's ``CipherTransform/ivChaining`` rule (cbc: the last ciphertext block; ctr and
/// chacha20: the counter). Modes whose IV cannot be carried (xts, cts, rfc3686, driver names) are buffered and run
/// as one request by ``finish()``. When decrypting with PKCS#7 the last block is always held back, decrypted into
/// the stream's own memory and released only after its padding checked out (in constant time).
///
/// It is `~Copyable`, as the library's other owners of one-use state (`OwnedDescriptor`) are, and unlike the
/// copy-on-write ``HashContext``: a copy would continue the same IV twice, and for ctr or chacha20 two copies
/// encrypting on would reuse the keystream. It owns its buffer of held bytes (plaintext when encrypting, and the
/// last decrypted block), which is zeroized when the stream ends. ``finish()`` consumes it. It may move to another
/// task (`Sendable`: its buffer has one owner, and only `mutating` calls, which need exclusive access, touch it).
///
/// ```swift
/// var stream = try transform.makeStream(.encrypt, iv: iv, padding: .pkcs7)
/// var ciphertext = try stream.update(part1) + stream.update(part2)
/// ciphertext += try stream.finish()
/// ```
public struct CipherStream: ~Copyable, @unchecked Sendable {
    /// The most bytes a stream buffers for an algorithm whose IV cannot be carried across requests (it runs the
    /// whole message as one request), unless the transform's ``CipherTransform/maximumRequestSize`` is lower.
    public static let wholeMessageLimit = 16 << 20

    /// The transform every request runs on.
    public let transform: CipherTransform
    /// Encrypting or decrypting.
    public let operation: CipherOperation
    /// The padding added or checked by ``finish()``.
    public let padding: CipherPadding
    /// Bytes fed so far.
    public private(set) var inputCount = 0

    /// The IV of the next request.
    private var iv: [UInt8]
    /// How the IV continues (`transform.ivChaining`).
    private let chaining: IVChaining
    /// Every request but the last is a multiple of this (the chaining granularity and, for block modes, the
    /// block); nil when the message must be one request.
    private let unit: Int?
    /// The largest request, a multiple of `unit` (or the whole-message limit).
    private let requestLimit: Int
    /// Why a whole message cannot be longer than `requestLimit` (whole-message modes only).
    private let limitReason: String
    /// Bytes fed but not yet run: less than one unit, the held-back last block, or a whole message.
    var held: UnsafeMutableRawBufferPointer
    /// How many bytes of `held` are in use.
    var heldCount = 0
    /// The error that ended the stream: later calls throw it again.
    var failure: KernelCipherError?

    /// A stream over `transform` starting from `iv` (empty for ecb). Throws `.invalidIVLength` for an IV of the
    /// wrong size, `.unsupportedOption` for PKCS#7 on an algorithm that is not a block mode, `.transformReleased`.
    public init(
        _ transform: CipherTransform, operation: CipherOperation, iv: some ContiguousBytes, padding: CipherPadding
    ) throws(KernelCipherError) {
        let ivBytes = iv.withUnsafeBytes { [UInt8]($0) }
        if transform.isReleased { throw .transformReleased }
        let facts = transform.properties
        if ivBytes.count != facts.ivSize { throw .invalidIVLength(ivBytes.count, expected: facts.ivSize) }
        if padding == .pkcs7 && !(facts.blockSize > 1 && facts.requiresBlockMultiple) {
            throw .unsupportedOption("PKCS#7 padding applies to block modes such as ecb and cbc; "
                + "\(KernelCipherError.displayName(transform.algorithm)) takes any length (use no padding)")
        }
        let chaining = transform.ivChaining
        var unit = chaining.granularity(ivSize: facts.ivSize)
        if let g = unit, facts.requiresBlockMultiple { unit = Self.lcm(g, facts.blockSize) }
        let engineLimit = transform.cipherEngine.maximumInput
        if let unit {
            let limit = (engineLimit?.limit ?? Int.max) / unit * unit
            requestLimit = max(limit, unit)
            limitReason = ""
        } else {
            let whole = "\(KernelCipherError.displayName(transform.algorithm)) is processed as one request (its IV "
                + "cannot be chained across requests)"
            if let engineLimit, engineLimit.limit <= Self.wholeMessageLimit {
                requestLimit = engineLimit.limit
                limitReason = whole + ": " + engineLimit.reason
            } else {
                requestLimit = Self.wholeMessageLimit
                limitReason = whole + ", and a stream buffers at most \(Self.wholeMessageLimit) bytes"
            }
        }
        self.transform = transform
        self.operation = operation
        self.padding = padding
        self.iv = ivBytes
        self.chaining = chaining
        self.unit = unit
        // A unit and a block of padding; whole-message modes grow it as bytes arrive.
        held = .allocate(byteCount: 2 * (unit ?? 64) + facts.blockSize, alignment: 64)
    }

    deinit {
        cleanse(held)
        held.deallocate()
    }

    /// The bytes ``update(_:into:)`` writes for an input of `count` bytes now: what the stream can run with that
    /// input, all but a held-back remainder.
    public func outputCount(forUpdate count: Int) -> Int { runnable(heldCount + count) }

    /// The most bytes ``finish(into:)`` writes: the held bytes, plus one block of padding when encrypting with PKCS#7.
    public var finishOutputCapacity: Int {
        heldCount + (padding == .pkcs7 && operation == .encrypt ? transform.blockSize : 0)
    }

    /// Feeds `input` and returns the bytes it completes (possibly none; the rest waits for more input or
    /// ``finish()``).
    public mutating func update(_ input: some ContiguousBytes) throws(KernelCipherError) -> [UInt8] {
        try input.withUnsafeBytes { bytes in
            Result { () throws(KernelCipherError) -> [UInt8] in
                let count = runnable(heldCount + bytes.count)
                return try makeBytes(count: count) { (output) throws(KernelCipherError) in
                    _ = try update(bytes, into: output)
                }
            }
        }.get()
    }

    /// Feeds `input` and writes the bytes it completes to `output` (at least ``outputCount(forUpdate:)`` bytes, not
    /// overlapping `input`); returns the bytes written. On an error the written bytes are zeroed and the stream
    /// fails every later call with the same error.
    public mutating func update(
        _ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) -> Int {
        if let failure { throw failure }
        let available = heldCount + input.count
        let count = runnable(available)
        if output.count < count { throw .outputTooSmall(length: output.count, needed: count) }
        var written = 0
        do throws(KernelCipherError) {
            if count == 0 {
                if unit == nil && available > requestLimit {
                    throw .inputTooLarge(length: inputCount + input.count, limit: requestLimit, reason: limitReason)
                }
                try hold(input)
            } else {
                // The held bytes completed to a unit from `input`, then `input` itself, then the rest held.
                let head = min(count, (heldCount + unit! - 1) / unit! * unit!)
                let taken = head - heldCount
                if head > 0 {
                    let target = UnsafeMutableRawBufferPointer(rebasing: held[heldCount..<head])
                    target.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[..<taken]))
                    try run(UnsafeRawBufferPointer(rebasing: held[..<head]),
                            into: UnsafeMutableRawBufferPointer(rebasing: output[..<head]))
                    written = head
                    cleanse(UnsafeMutableRawBufferPointer(rebasing: held[..<head]))
                    heldCount = 0
                }
                while written < count {
                    let n = min(count - written, requestLimit)
                    let from = taken + written - head
                    try run(UnsafeRawBufferPointer(rebasing: input[from..<(from + n)]),
                            into: UnsafeMutableRawBufferPointer(rebasing: output[written..<(written + n)]))
                    written += n
                }
                try hold(UnsafeRawBufferPointer(rebasing: input[(taken + count - head)...]))
            }
        } catch {
            cleanse(UnsafeMutableRawBufferPointer(rebasing: output[..<written]))
            failure = error
            throw error
        }
        inputCount += input.count
        return count
    }

    /// How many of `available` bytes (held and new) can run now: whole units, keeping back the last block when
    /// decrypting with PKCS#7; none for a whole-message mode.
    private func runnable(_ available: Int) -> Int {
        guard let unit else { return 0 }
        if operation == .decrypt && padding == .pkcs7 {
            guard available > 0 else { return 0 }
            let rest = available % unit
            return available - (rest == 0 ? unit : rest)
        }
        return available / unit * unit
    }

    /// Appends `bytes` to the held bytes, growing the buffer for a whole-message mode (the old one zeroized).
    private mutating func hold(_ bytes: UnsafeRawBufferPointer) throws(KernelCipherError) {
        let needed = heldCount + bytes.count + transform.blockSize
        if needed > held.count {
            let grown = UnsafeMutableRawBufferPointer.allocate(
                byteCount: min(max(needed, 2 * held.count), max(needed, requestLimit &+ transform.blockSize)),
                alignment: 64)
            grown.copyMemory(from: UnsafeRawBufferPointer(rebasing: held[..<heldCount]))
            cleanse(held)
            held.deallocate()
            held = grown
        }
        UnsafeMutableRawBufferPointer(rebasing: held[heldCount..<(heldCount + bytes.count)]).copyMemory(from: bytes)
        heldCount += bytes.count
    }

    /// Runs one request and moves the IV on (nil from the rule only after a last request of a partial unit).
    mutating func run(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer)
        throws(KernelCipherError)
    {
        try iv.withUnsafeBytes { ivBytes in
            Result { () throws(KernelCipherError) in
                try transform.run(operation, iv: ivBytes, input: input, output: output)
            }
        }.get()
        let ciphertext = operation == .encrypt ? UnsafeRawBufferPointer(output) : input
        if let next = chaining.nextIV(current: iv, ciphertext: ciphertext) { iv = next }
    }

    /// Least common multiple of two positive sizes.
    private static func lcm(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / x * b
    }
}

extension CipherTransform {
    /// A ``CipherStream`` over this transform (as ``HashTransform/makeContext()`` is for hashes).
    public func makeStream(
        _ operation: CipherOperation, iv: some ContiguousBytes = [UInt8](), padding: CipherPadding
    ) throws(KernelCipherError) -> CipherStream {
        try CipherStream(self, operation: operation, iv: iv, padding: padding)
    }
}
