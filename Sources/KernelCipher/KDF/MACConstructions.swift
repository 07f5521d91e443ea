/// The key derivations written over a keyed PRF's update/finish, as libkcapi writes them over AF_ALG
/// (`kcapi_pbkdf`, `kcapi_hkdf`, `kcapi_kdf_ctr`/`_fb`/`_dpi` in lib/kcapi-kdf.c): what the kernel engine runs, one
/// op socket per derivation, and what the software engine runs for double-pipeline mode (OpenSSL 3.0's KBKDF has
/// counter and feedback modes only).
enum MACConstructions {
    /// PBKDF2 (RFC 8018 §5.2): T_i = U_1 ⊕ … ⊕ U_c with U_1 = PRF(P, S ‖ INT(i)), U_j = PRF(P, U_{j−1}); the PRF is
    /// keyed with the password.
    static func pbkdf2(
        _ prf: KeyedPRF, salt: [UInt8], iterations: UInt32, into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        let h = prf.outputSize
        try withScratch(2 * h) { (scratch) throws(KernelCipherError) in
            let u = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<h])
            let t = UnsafeMutableRawBufferPointer(rebasing: scratch[h..<(2 * h)])
            var offset = 0
            var block: UInt32 = 1
            while offset < output.count {
                try prf.update(salt)
                try prf.update(counter: block)
                try prf.finish(into: u)
                t.copyMemory(from: UnsafeRawBufferPointer(u))
                var round: UInt32 = 1
                while round < iterations {
                    try prf.digest(UnsafeRawBufferPointer(u), into: u)
                    for index in 0..<h { t[index] ^= u[index] }
                    round += 1
                }
                let take = min(h, output.count - offset)
                UnsafeMutableRawBufferPointer(rebasing: output[offset..<(offset + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: t[0..<take]))
                offset += take
                block &+= 1
            }
        }
    }

    /// HKDF-Expand (RFC 5869 §2.3): T(i) = PRF(PRK, T(i−1) ‖ info ‖ i) with a one-byte counter; the PRF is keyed
    /// with the PRK. (HKDF-Extract is one PRF invocation keyed with the salt: `extract`.)
    static func hkdfExpand(
        _ prf: KeyedPRF, info: [UInt8], into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        let h = prf.outputSize
        var offset = 0
        var counter: UInt8 = 1
        while offset < output.count {
            if offset > 0 {
                try prf.update(UnsafeRawBufferPointer(rebasing: output[(offset - h)..<offset]))
            }
            try prf.update(info)
            try prf.update([counter])
            let take = min(h, output.count - offset)
            try prf.finish(into: UnsafeMutableRawBufferPointer(rebasing: output[offset..<(offset + take)]))
            offset += take
            counter &+= 1
        }
    }

    /// HKDF-Extract (RFC 5869 §2.2): PRK = PRF(salt, IKM), `output.count` = HashLen; the PRF is keyed with the salt.
    static func extract(
        _ prf: KeyedPRF, inputKey: SecureBytes, into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        try inputKey.withUnsafeBytes { (bytes) throws(KernelCipherError) in try prf.update(bytes) }
        try prf.finish(into: output)
    }

    /// SP 800-108 KDF in `mode`, with libkcapi's layout: K(i) = PRF(K_I, [i]₂ ‖ fixed) (counter);
    /// K(i) = PRF(K_I, K(i−1) ‖ [i]₂ ‖ fixed) with K(0) = IV (feedback); A(0) = fixed, A(i) = PRF(K_I, A(i−1)),
    /// K(i) = PRF(K_I, A(i) ‖ [i]₂ ‖ fixed) (double pipeline). [i]₂ is a 32-bit big-endian counter from 1.
    static func sp800108(
        _ prf: KeyedPRF, mode: SP800108KeyDerivation.Mode, fixedInput: [UInt8], iv: [UInt8],
        into output: UnsafeMutableRawBufferPointer
    ) throws(KernelCipherError) {
        let h = prf.outputSize
        try withScratch(h) { (a) throws(KernelCipherError) in
            var offset = 0
            var counter: UInt32 = 1
            while offset < output.count {
                switch mode {
                case .counter:
                    break
                case .feedback:
                    if offset == 0 {
                        try prf.update(iv)
                    } else {
                        try prf.update(UnsafeRawBufferPointer(rebasing: output[(offset - h)..<offset]))
                    }
                case .doublePipeline:
                    if offset == 0 {
                        try withBytes(fixedInput) { (bytes) throws(KernelCipherError) in try prf.digest(bytes, into: a) }
                    } else {
                        try prf.digest(UnsafeRawBufferPointer(a), into: a)
                    }
                    try prf.update(UnsafeRawBufferPointer(a))
                }
                try prf.update(counter: counter)
                try prf.update(fixedInput)
                let take = min(h, output.count - offset)
                try prf.finish(into: UnsafeMutableRawBufferPointer(rebasing: output[offset..<(offset + take)]))
                offset += take
                counter &+= 1
            }
        }
    }
}
