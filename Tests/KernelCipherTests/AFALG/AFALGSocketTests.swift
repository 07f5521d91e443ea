#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import KernelCipher

/// Names `sockaddr_alg` cannot carry, and the errno every caller reports for them before any system call.
let unbindableNames: [(name: String, errno: Errno)] = [
    (String(repeating: "a", count: 64), Errno(rawValue: ENAMETOOLONG)), ("", .invalidArgument), ("a\0b", .invalidArgument),
]

/// The address builder and control-message layout (no AF_ALG needed).
@Suite struct SocketAddressTests {
    /// The one length rule: the socket, `AFALGBinding.check` and the policy see the same errno for a name that
    /// does not fit (before this, the engine's bind gave ENOENT, or EAFNOSUPPORT here, where check gave these).
    @Test(arguments: unbindableNames.indices) func unbindableNameGivesOneErrno(index: Int) {
        let (name, errno) = unbindableNames[index]
        var viaSocket: Errno?
        do { _ = try AFALGSocket(type: .skcipher, name: name) } catch { viaSocket = error }
        #expect(viaSocket == errno)
        #expect(AFALGBinding.check(type: .skcipher, name: name).failure == errno)
        #expect(AFALGAddress.nameError(name) == errno)
        #expect(AFALGPolicy.explain(errno, name: name, type: .skcipher, policy: .current) == .notFound)
    }

    @Test func addressCarriesTypeAndNameNULTerminated() throws {
        let longest = String(repeating: "x", count: 63)
        let address = try AFALGAddress(type: .skcipher, name: longest).storage
        #expect(address.salg_family == UInt16(AF_ALG))
        withUnsafeBytes(of: address.salg_type) { #expect(Array($0.prefix(9)) == Array("skcipher".utf8) + [0]) }
        withUnsafeBytes(of: address.salg_name) { #expect(Array($0) == Array(longest.utf8) + [0]) }
    }

    func base0(_ control: AFALGControl) -> UnsafeRawPointer { UnsafeRawPointer(control.bytes.baseAddress!) }

    /// Op, IV and AEAD associated-data length, each a `cmsghdr` at its `CMSG_SPACE` offset with `CMSG_LEN` length.
    @Test func controlMessagesAreLaidOutAsCMSG() {
        let control = AFALGControl([.operation, .iv(size: 16), .associatedDataLength])
        let header = MemoryLayout<cmsghdr>.size  // 16 on LP64, already aligned
        #expect(control.bytes.count == (header + 8) + (header + 24) + (header + 8))
        let iv = (0..<16).map { UInt8($0 + 1) }
        iv.withUnsafeBytes { control.set(encrypting: true, iv: $0) }
        #expect(base0(control).loadUnaligned(fromByteOffset: MemoryLayout<cmsghdr>.size, as: UInt32.self) == 1)
        iv.withUnsafeBytes { control.set(encrypting: false, iv: $0) }
        control.setAssociatedDataLength(13)
        let base = UnsafeRawPointer(control.bytes.baseAddress!)
        var offset = 0
        // <linux/if_alg.h>: SOL_ALG 279; ALG_SET_IV 2, ALG_SET_OP 3, ALG_SET_AEAD_ASSOCLEN 4; ALG_OP_DECRYPT 0.
        for (type, payload) in [(CInt(3), 4), (2, 20), (4, 4)] {
            let message = base.loadUnaligned(fromByteOffset: offset, as: cmsghdr.self)
            #expect(message.cmsg_level == 279 && message.cmsg_type == type && message.cmsg_len == header + payload)
            offset += header + (payload + 7) & ~7
        }
        #expect(base.loadUnaligned(fromByteOffset: header, as: UInt32.self) == 0)
        let ivData = header + 8 + header
        #expect(base.loadUnaligned(fromByteOffset: ivData, as: UInt32.self) == 16)
        #expect(Array(UnsafeRawBufferPointer(start: base + ivData + 4, count: 16)) == iv)
        #expect(base.loadUnaligned(fromByteOffset: offset - 8, as: UInt32.self) == 13)
        #expect(AFALGControl(ivSize: 0).bytes.count == header + 8)
    }
}

/// The owned AF_ALG socket against the real kernel (in the VM).
@Suite(.requiresAFALG, .serialized) struct AFALGSocketTests {
    /// What `/proc/self/fd/N` points to (`socket:[inode]`), or nil when N is not open.
    static func target(of fd: CInt) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
    }

    static func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    /// A transform socket and an op socket close their descriptors when they go.
    @Test func ownedSocketsCloseTheirDescriptors() throws {
        let before = try Self.openDescriptors()
        var numbers: [(CInt, String?)] = []
        do {
            let tfm = try AFALGSocket(type: .skcipher, name: "cbc(aes)")
            let key = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
            defer { key.deallocate() }
            key.initializeMemory(as: UInt8.self, repeating: 1)
            try tfm.setKey(UnsafeRawBufferPointer(key))
            let op = try tfm.accept()
            numbers = [(tfm.descriptor, Self.target(of: tfm.descriptor)), (op.descriptor, Self.target(of: op.descriptor))]
            #expect(try Self.openDescriptors() == before + 2)
            #expect(numbers.allSatisfy { $0.1?.hasPrefix("socket:[") == true })
        }
        #expect(try Self.openDescriptors() <= before)
        for (fd, target) in numbers { #expect(Self.target(of: fd) != target, "fd \(fd) still open") }
    }

    /// A failed bind closes the socket it made.
    @Test func failedBindLeavesNoDescriptor() throws {
        let before = try Self.openDescriptors()
        for _ in 0..<64 {
            #expect(throws: Errno.noSuchEntry) { try AFALGSocket(type: .skcipher, name: "no-such-algorithm(xyz)") }
        }
        #expect(try Self.openDescriptors() <= before)
    }

    /// An unknown, a too-long and an empty name: one errno from the socket, `AFALGBinding.check` and the AIO probe;
    /// the kernel engine and the policy call all three not found.
    @Test(arguments: [("no-such-algorithm(xyz)", Errno.noSuchEntry)] + unbindableNames)
    func sameErrnoThroughEveryCaller(name: String, errno: Errno) {
        var viaSocket: Errno?
        do { _ = try AFALGSocket(type: .skcipher, name: name) } catch { viaSocket = error }
        #expect(viaSocket == errno)
        #expect(AFALGBinding.check(type: .skcipher, name: name).failure == errno)
        #expect(AIOProbe.run(algorithm: name, attempts: 1).detail == "bind: \(errno)")
        #expect(AFALGPolicy.usability(of: name, type: .skcipher) == .notFound)
        #expect(!KernelEngineSocket.isAvailable(name, type: .skcipher))
        #expect(throws: KernelCipherError.algorithmNotFound(name, engine: .kernel)) {
            try CipherTransform(name, engine: .kernel)
        }
    }
}
