// Small OpenSSL helpers shared by the software engines: static C strings, the error queue.
internal import CLibCrypto

/// The NUL-terminated bytes of a static string, valid for the life of the process.
func cString(_ string: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(string.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The OpenSSL error queue as one line (`ERR_get_error`, `ERR_error_string_n`), emptied.
func drainOpenSSLErrors() -> String {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }
    return messages.isEmpty ? "unknown error" : messages.joined(separator: "; ")
}

/// A typed error for a failed OpenSSL call, with OpenSSL's own message.
func openSSLError(_ function: String) -> KernelCipherError {
    .software(operation: function, detail: drainOpenSSLErrors())
}
