import Testing
@testable import KernelCipher

@Suite struct ErrnoTests {
    @Test func namesKnownErrors() {
        #expect(Errno.addressFamilyNotSupported.name == "EAFNOSUPPORT")
        #expect(Errno(rawValue: 9999).name == "errno 9999")
    }
}
