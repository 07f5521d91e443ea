// `callcost MODE N`: N calls of one synchronous form on the software engine, 16-byte messages, from another module
// (so the generic forms are measured as clients see them). MODE is ALG-FORM with ALG one of cbc gcm chacha sha hmac
// and FORM one of: raw (buffer pointers into caller memory: the zero-cost form), array ([UInt8] in, a new [UInt8]
// out), data (Data in, a new [UInt8] out), chain (callback requests one after another, each completion submitting
// the next: the request path at one in flight, on the worker threads); cbc-into (pointers, the IV as [UInt8]: the generic `iv:` of the `into:`
// form); alloc (one 16-byte [UInt8] allocation alone: what an allocating form adds to a pointer caller's cost);
// resubmit (one callback request over caller memory, submitted again by its completion, as kcrypto speed's chains).
// CALLCOST_ENGINE=kernel runs the kernel engine instead (in a guest with AF_ALG: Scripts/lib/bench-kernel-profile.sh).
// CALLCOST_TIME=1 prints the ns the set-up and the calls took (on the icount guest's clock: guest instructions).
import KernelCipher
import Dispatch
import Foundation

enum Family {
    case cipher(CipherTransform), aead(AEADTransform), hash(HashTransform)

    init(_ name: String) throws {
        let key = [UInt8](repeating: 7, count: 32)
        let engine: EnginePreference = ProcessInfo.processInfo.environment["CALLCOST_ENGINE"] == "kernel" ? .kernel : .software
        switch name {
        case "cbc": self = .cipher(try CipherTransform("cbc(aes)", engine: engine)); if case .cipher(let t) = self { try t.setKey(key[..<16]) }
        case "gcm": self = .aead(try AEADTransform("gcm(aes)", engine: engine)); if case .aead(let t) = self { try t.setKey(key[..<16]) }
        case "chacha":
            self = .aead(try AEADTransform("rfc7539(chacha20,poly1305)", engine: engine))
            if case .aead(let t) = self { try t.setKey(key) }
        case "sha": self = .hash(try HashTransform("sha256", engine: engine))
        case "hmac": self = .hash(try HashTransform("hmac(sha256)", engine: engine)); if case .hash(let t) = self { try t.setKey(key) }
        default: fatalError("unknown algorithm \(name)")
        }
    }
}

@inline(never)
func run(_ mode: String, _ n: Int) throws -> Int {
    let input = [UInt8](repeating: 3, count: 16), data = Data(input)
    let iv = [UInt8](repeating: 1, count: 16), nonce = [UInt8](repeating: 1, count: 12)
    var out = [UInt8](repeating: 0, count: 64)
    var sink = 0
    if mode == "alloc" {
        for k in 0..<n { sink &+= [UInt8](unsafeUninitializedCapacity: 16) { b, c in b[0] = UInt8(truncatingIfNeeded: k); c = 16 }[0] == 0 ? 1 : 0 }
        return sink
    }
    let parts = mode.split(separator: "-").map(String.init)
    let family = try Family(parts[0])
    try input.withUnsafeBytes { i in try out.withUnsafeMutableBytes { o in
        switch (family, parts[1]) {
        case (.cipher(let t), "raw"):
            let o = UnsafeMutableRawBufferPointer(rebasing: o[..<16])
            try iv.withUnsafeBytes { v in for _ in 0..<n { _ = try t.encrypt(i, into: o, iv: v) } }
        case (.cipher(let t), "into"):
            let o = UnsafeMutableRawBufferPointer(rebasing: o[..<16])
            for _ in 0..<n { _ = try t.encrypt(i, into: o, iv: iv) }
        case (.cipher(let t), "chain"): try chain(n) { (completion) throws(KernelCipherError) in
                try CipherRequest(transform: t, input: input, iv: iv, context: 0) { _, _ in completion() }.encrypt()
            }
        case (.aead(let t), "chain"): try chain(n) { (completion) throws(KernelCipherError) in
                try AEADRequest(transform: t, input: input, iv: nonce, context: 0) { _, _ in completion() }.encrypt()
            }
        case (.hash(let t), "chain"): try chain(n) { (completion) throws(KernelCipherError) in
                try HashRequest(transform: t, input: input, context: 0) { _, _ in completion() }.digest()
            }
        case (.cipher(let t), "resubmit"):
            let o = UnsafeMutableRawBufferPointer(rebasing: o[..<16])
            try resubmit(n, CipherRequest<Int>.self) { completion in
                CipherRequest(transform: t, input: i, output: o, iv: iv, context: 0) { r, _ in completion(r) }
            } start: { (r) throws(KernelCipherError) in _ = try r.encrypt() }
        case (.aead(let t), "resubmit"):
            try resubmit(n, AEADRequest<Int>.self) { completion in
                AEADRequest(transform: t, input: i, output: o, iv: nonce, context: 0) { r, _ in completion(r) }
            } start: { (r) throws(KernelCipherError) in _ = try r.encrypt() }
        case (.hash(let t), "resubmit"):
            let o = UnsafeMutableRawBufferPointer(rebasing: o[..<32])
            try resubmit(n, HashRequest<Int>.self) { completion in
                HashRequest(transform: t, input: i, output: o, context: 0) { r, _ in completion(r) }
            } start: { (r) throws(KernelCipherError) in _ = try r.digest() }
        case (.cipher(let t), "array"): for _ in 0..<n { sink &+= try t.encrypt(input, iv: iv).count }
        case (.cipher(let t), "data"): for _ in 0..<n { sink &+= try t.encrypt(data, iv: iv).count }
        case (.aead(let t), "raw"):
            try nonce.withUnsafeBytes { v in for _ in 0..<n { _ = try t.encrypt(i, into: o, iv: v) } }
        case (.aead(let t), "array"): for _ in 0..<n { sink &+= try t.encrypt(input, iv: nonce).count }
        case (.aead(let t), "data"): for _ in 0..<n { sink &+= try t.encrypt(data, iv: nonce).count }
        case (.hash(let t), "raw"):
            let o = UnsafeMutableRawBufferPointer(rebasing: o[..<32])
            for _ in 0..<n { _ = try t.digest(i, into: o) }
        case (.hash(let t), "array"): for _ in 0..<n { sink &+= try t.digest(input).count }
        case (.hash(let t), "data"): for _ in 0..<n { sink &+= try t.digest(data).count }
        default: fatalError("unknown form in \(mode)")
        }
    } }
    return sink
}

/// `n` callback requests one after another: each completion submits the next (one in flight, on the worker that
/// ran the last), the calling thread waits for the last.
func chain(_ n: Int, _ submit: @escaping @Sendable (@escaping @Sendable () -> Void) throws(KernelCipherError) -> Void) throws {
    guard n > 0 else { return }
    final class Countdown: @unchecked Sendable {
        var remaining: Int  // touched by one request's completion at a time
        let finished = DispatchSemaphore(value: 0)
        init(_ n: Int) { remaining = n }
    }
    let countdown = Countdown(n)
    @Sendable func next() {
        countdown.remaining -= 1
        if countdown.remaining == 0 { countdown.finished.signal(); return }
        do { try submit(next) } catch { fatalError("resubmission failed: \(error)") }
    }
    try submit(next)
    countdown.finished.wait()
}

/// How many runs `resubmit` has left; touched by one completion at a time.
final class ResubmitCountdown: @unchecked Sendable {
    var remaining: Int
    let finished = DispatchSemaphore(value: 0)
    init(_ n: Int) { remaining = n }
}

/// `n` runs of one callback request over caller memory that its completion submits again (what `kcrypto speed`'s
/// request chains do): the request path without building a request per message.
func resubmit<Request: Sendable>(
    _ n: Int, _ type: Request.Type, _ make: (@escaping @Sendable (Request) -> Void) -> Request,
    start: @escaping @Sendable (Request) throws(KernelCipherError) -> Void
) throws {
    guard n > 0 else { return }
    let countdown = ResubmitCountdown(n)
    let request = make { request in
        countdown.remaining -= 1
        if countdown.remaining == 0 { countdown.finished.signal(); return }
        do { try start(request) } catch { fatalError("resubmission failed: \(error)") }
    }
    try start(request)
    countdown.finished.wait()
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let n = Int(arguments[2]) else { fatalError("usage: callcost MODE N") }
/// CLOCK_MONOTONIC in ns (`clock_gettime`).
func monotonicNanoseconds() -> Int {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return now.tv_sec * 1_000_000_000 + now.tv_nsec
}

// CALLCOST_TIME=1 prints the ns `run` took (transform set-up and the calls), without the process's start-up, whose
// time varies more from run to run than a message costs: a run of N calls minus one of none is N calls.
let start = monotonicNanoseconds()
if try run(arguments[1], n) == -1 { print("unreachable") }
if ProcessInfo.processInfo.environment["CALLCOST_TIME"] == "1" { print(monotonicNanoseconds() - start) }
