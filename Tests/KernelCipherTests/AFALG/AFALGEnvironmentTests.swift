#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KernelCipherTestSupport
import Testing
import CKCAPI
@testable import KernelCipher

/// Real-kernel checks of the environment the AF_ALG engine relies on, with raw syscalls (no library code).
/// They run in the kernel VM (`Scripts/test`, `Scripts/kernel-vm`) and skip on hosts without AF_ALG.
@Suite(.requiresAFALG)
struct AFALGEnvironmentTests {
    @Test func afALGSocketCanBeCreated() throws {
        let fd = socket(AF_ALG, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { if fd >= 0 { close(fd) } }
        try #require(fd >= 0, "socket(AF_ALG): \(lastError())")
        try requireAFALG()
    }

    /// AES-128-CBC, key = iv = plaintext = 0^16 → 66e94bd4ef8a2c3b884cfa59ca342b2e (FIPS-197 / NIST KAT).
    @Test func cbcAESKnownAnswerThroughRawSockets() throws {
        let tfm = try RawAFALG.bind(type: "skcipher", name: "cbc(aes)")
        defer { close(tfm) }
        let key = [UInt8](repeating: 0, count: 16)
        let rc = key.withUnsafeBytes { setsockopt(tfm, SOL_ALG, Int32(ALG_SET_KEY), $0.baseAddress, socklen_t($0.count)) }
        try #require(rc == 0, "setsockopt(ALG_SET_KEY): \(lastError())")
        let op = accept(tfm, nil, nil)
        try #require(op >= 0, "accept: \(lastError())")
        defer { close(op) }

        let sent = try RawAFALG.send(op: op, encrypt: true, iv: [UInt8](repeating: 0, count: 16),
                                     data: [UInt8](repeating: 0, count: 16))
        #expect(sent == 16)
        var out = [UInt8](repeating: 0, count: 16)
        let got = out.withUnsafeMutableBytes { recv(op, $0.baseAddress, $0.count, 0) }
        try #require(got == 16, "recv: \(got) \(lastError())")
        #expect(Hex.encode(out) == "66e94bd4ef8a2c3b884cfa59ca342b2e")
    }

    /// libkcapi's kcapi_cipher_init queries crypto_user over NETLINK_CRYPTO (EPROTONOSUPPORT without it).
    @Test func cryptoUserNetlinkServesLibkcapi() throws {
        var handle: OpaquePointer?
        let rc = kcapi_cipher_init(&handle, "cbc(aes)", 0)
        defer { if handle != nil { kcapi_cipher_destroy(handle) } }
        try #require(rc == 0, "kcapi_cipher_init(cbc(aes)) = \(rc) (\(String(cString: strerror(-rc))))")
        #expect(handle != nil)
        #expect(kcapi_cipher_blocksize(handle) == 16)
        #expect(kcapi_cipher_ivsize(handle) == 16)
    }

    /// These names are usually modules: bind() makes the kernel request_module() them (usermode modprobe).
    /// Under af_alg_restrict=1 (7.3) the allowlist refuses rfc3686(ctr(aes)) and chacha20 before that: asserted.
    @Test(arguments: ["rfc3686(ctr(aes))", "chacha20", "cbc(des3_ede)"])
    func bindAutoloadsModules(name: String) throws {
        if KernelExpectation.allowlistOutcome(name, type: .skcipher) == false {
            #expect(throws: RawAFALG.Failure.self) { try RawAFALG.bind(type: "skcipher", name: name) }
            #expect(AFALGPolicy.usability(of: name, type: .skcipher).isRefusedByPolicy)
            return
        }
        let tfm = try RawAFALG.bind(type: "skcipher", name: name)
        close(tfm)
    }

    /// Reads /proc/crypto completely; with KCAPI_PROC_CRYPTO_OUT set, saves it (a directory gets
    /// `proc-crypto-<uname -r>.txt`) as a parser fixture.
    @Test func procCryptoIsReadableAndCanBeCaptured() throws {
        let out = ProcessInfo.processInfo.environment["KCAPI_PROC_CRYPTO_OUT"] ?? ""
        if !out.isEmpty {
            // Instantiate common algorithms first so the fixture shows more than the boot-time set (slow under
            // TCG: every new instance runs its self-tests).
            for (type, name) in RawAFALG.commonAlgorithms {
                if let fd = try? RawAFALG.bind(type: type, name: name) { close(fd) }
            }
        }
        let text = try readWholeFile("/proc/crypto")
        #expect(text.contains("name         : cbc(aes)") || text.contains("name         : aes"))
        #expect(text.contains("driver       : "))

        guard !out.isEmpty else { return }
        var isDirectory: ObjCBool = false
        var path = out
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            path = (out as NSString).appendingPathComponent("proc-crypto-\(kernelRelease()).txt")
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        print("captured /proc/crypto (\(text.utf8.count) bytes) to \(path)")
    }
}

/// Minimal AF_ALG plumbing over Glibc, independent of the library under test.
enum RawAFALG {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let commonAlgorithms: [(String, String)] = [
        ("skcipher", "cbc(aes)"), ("skcipher", "ecb(aes)"), ("skcipher", "ctr(aes)"), ("skcipher", "xts(aes)"),
        ("skcipher", "cts(cbc(aes))"), ("skcipher", "rfc3686(ctr(aes))"), ("skcipher", "chacha20"),
        ("skcipher", "xchacha20"), ("skcipher", "cbc(des3_ede)"), ("skcipher", "ecb(des3_ede)"),
        ("skcipher", "cbc(sm4)"), ("skcipher", "hctr2(aes)"), ("skcipher", "adiantum(xchacha12,aes)"),
        ("aead", "gcm(aes)"), ("aead", "ccm(aes)"), ("aead", "rfc4106(gcm(aes))"), ("aead", "rfc4309(ccm(aes))"),
        ("aead", "rfc7539(chacha20,poly1305)"), ("aead", "authenc(hmac(sha256),cbc(aes))"),
        ("hash", "sha1"), ("hash", "sha224"), ("hash", "sha256"), ("hash", "sha384"), ("hash", "sha512"),
        ("hash", "sha3-256"), ("hash", "md5"), ("hash", "hmac(sha1)"), ("hash", "hmac(sha256)"),
        ("hash", "hmac(sha512)"), ("hash", "cmac(aes)"), ("hash", "xcbc(aes)"), ("hash", "crc32c"),
        ("hash", "ghash"), ("hash", "poly1305"), ("hash", "blake2b-256"), ("hash", "sm3"),
        ("rng", "stdrng"), ("rng", "jitterentropy_rng"),
    ]

    /// socket + bind; returns the TFM fd or throws with errno text.
    static func bind(type: String, name: String) throws -> Int32 {
        let fd = socket(AF_ALG, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket(AF_ALG): \(lastError())") }
        var sa = sockaddr_alg()
        sa.salg_family = UInt16(AF_ALG)
        withUnsafeMutableBytes(of: &sa.salg_type) { copyCString(type, into: $0) }
        withUnsafeMutableBytes(of: &sa.salg_name) { copyCString(name, into: $0) }
        let rc = withUnsafePointer(to: &sa) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_alg>.size))
            }
        }
        guard rc == 0 else {
            let e = lastError()
            close(fd)
            throw Failure(description: "bind(\(type), \(name)): \(e)")
        }
        return fd
    }

    /// sendmsg with ALG_SET_OP and ALG_SET_IV control messages (no MSG_MORE).
    static func send(op: Int32, encrypt: Bool, iv: [UInt8], data: [UInt8]) throws -> Int {
        var control = [UInt8]()
        var opValue = UInt32(encrypt ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT)
        appendCmsg(&control, type: Int32(ALG_SET_OP), payload: withUnsafeBytes(of: &opValue) { Array($0) })
        var ivLength = UInt32(iv.count)
        appendCmsg(&control, type: Int32(ALG_SET_IV), payload: withUnsafeBytes(of: &ivLength) { Array($0) } + iv)

        var payload = data
        let n = payload.withUnsafeMutableBytes { dataBuffer in
            control.withUnsafeMutableBytes { controlBuffer in
                var vec = iovec(iov_base: dataBuffer.baseAddress, iov_len: dataBuffer.count)
                return withUnsafeMutablePointer(to: &vec) { vecPointer in
                    var msg = msghdr()
                    msg.msg_iov = vecPointer
                    msg.msg_iovlen = 1
                    msg.msg_control = controlBuffer.baseAddress
                    msg.msg_controllen = controlBuffer.count
                    return sendmsg(op, &msg, 0)
                }
            }
        }
        guard n >= 0 else { throw Failure(description: "sendmsg: \(lastError())") }
        return n
    }

    /// Appends one cmsghdr (level SOL_ALG) plus payload, padded like CMSG_SPACE.
    private static func appendCmsg(_ buffer: inout [UInt8], type: Int32, payload: [UInt8]) {
        let align = MemoryLayout<Int>.size
        let header = MemoryLayout<cmsghdr>.size
        var cmsg = cmsghdr()
        cmsg.cmsg_len = header + payload.count
        cmsg.cmsg_level = SOL_ALG
        cmsg.cmsg_type = type
        buffer += withUnsafeBytes(of: &cmsg) { Array($0) }
        buffer += payload
        let padded = (payload.count + align - 1) / align * align
        buffer += [UInt8](repeating: 0, count: padded - payload.count)
    }

    private static func copyCString(_ string: String, into buffer: UnsafeMutableRawBufferPointer) {
        let bytes = Array(string.utf8.prefix(buffer.count - 1))
        buffer.copyBytes(from: bytes + [0])
    }
}

func lastError() -> String {
    let e = errno
    return "errno \(e) (\(String(cString: strerror(e))))"
}

func kernelRelease() -> String {
    var u = utsname()
    uname(&u)
    return withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// Reads a file to EOF with read(2) (procfs reports size 0, so no stat-sized reads).
func readWholeFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw RawAFALG.Failure(description: "open(\(path)): \(lastError())") }
    defer { close(fd) }
    var result = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw RawAFALG.Failure(description: "read(\(path)): \(lastError())")
        }
        if n == 0 { break }
        result += chunk[0..<n]
    }
    return String(decoding: result, as: UTF8.self)
}
