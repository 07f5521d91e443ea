#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Zeroes `buffer` so the compiler cannot elide the stores (`explicit_bzero`): the one zeroization primitive of the
/// library and of `kcrypto` (key storage, scratch buffers, payloads read from the keyring, key text).
@_spi(Platform)
public func cleanse(_ buffer: UnsafeMutableRawBufferPointer) {
    guard let base = buffer.baseAddress, buffer.count > 0 else { return }
    explicit_bzero(base, buffer.count)
}
