#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

// `ContiguousBytes.withUnsafeBytes` rethrows untyped errors; these run a typed-throwing body over the bytes of one,
// two or three values. They are `@inlinable` so the public generic forms that use them specialize in the caller's
// module (`[UInt8]` and `Data` then cost what buffer pointers cost).

/// Runs `body` over the bytes of `a`.
@inlinable
func withBytes<Result>(
    _ a: some ContiguousBytes, _ body: (UnsafeRawBufferPointer) throws(KernelCipherError) -> Result
) throws(KernelCipherError) -> Result {
    try a.withUnsafeBytes { a in Swift.Result { () throws(KernelCipherError) -> Result in try body(a) } }.get()
}

/// Runs `body` over the bytes of `a` and `b`.
@inlinable
func withBytes<Result>(
    _ a: some ContiguousBytes, _ b: some ContiguousBytes,
    _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(KernelCipherError) -> Result
) throws(KernelCipherError) -> Result {
    try a.withUnsafeBytes { a in
        b.withUnsafeBytes { b in Swift.Result { () throws(KernelCipherError) -> Result in try body(a, b) } }
    }.get()
}

/// Runs `body` over the bytes of `a`, `b` and `c`.
@inlinable
func withBytes<Result>(
    _ a: some ContiguousBytes, _ b: some ContiguousBytes, _ c: some ContiguousBytes,
    _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws(KernelCipherError) -> Result
) throws(KernelCipherError) -> Result {
    try a.withUnsafeBytes { a in
        b.withUnsafeBytes { b in
            c.withUnsafeBytes { c in Swift.Result { () throws(KernelCipherError) -> Result in try body(a, b, c) } }
        }
    }.get()
}

/// `value`'s bytes as an array for a request to keep: a `[UInt8]` is kept as it is (an array is a value; sharing its
/// storage costs a retain where a copy cost an allocation, ≈ 350 instructions with its release), other types copied.
/// `@inlinable` so the cast folds away where the caller's type is known.
@inlinable
func requestBytes(_ value: some ContiguousBytes) -> [UInt8] {
    if let array = value as? [UInt8] { return array }
    return value.withUnsafeBytes { [UInt8]($0) }
}
