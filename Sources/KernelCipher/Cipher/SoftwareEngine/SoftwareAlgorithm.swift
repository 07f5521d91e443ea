internal import CLibCrypto

/// The software engine's view of a catalog algorithm: the facts it needs to run it with OpenSSL EVP. Every fact
/// comes from `CipherAlgorithm` (the algorithm catalog); this type only flattens them for the per-request path.
struct SoftwareAlgorithm: Sendable {
    /// Key-and-IV layout differences between the kernel name and the EVP cipher.
    typealias Layout = OpenSSLMapping.Layout

    let catalog: CipherAlgorithm
    private let mapping: OpenSSLMapping
    /// The whole message must go through one `EVP_CipherUpdate` (xts, cts); stored, the per-request path reads it.
    let singleShot: Bool

    private init(catalog: CipherAlgorithm, mapping: OpenSSLMapping) {
        self.catalog = catalog
        self.mapping = mapping
        self.singleShot = mapping.singleShot
    }

    /// The catalog algorithm, if the software engine offers it (it has an OpenSSL mapping), or nil.
    static func lookup(_ name: String) -> SoftwareAlgorithm? {
        guard let catalog = CipherAlgorithm(named: name), let mapping = catalog.openSSL else { return nil }
        return SoftwareAlgorithm(catalog: catalog, mapping: mapping)
    }

    /// The kernel name, e.g. `cbc(aes)`.
    var name: String { catalog.name.description }
    /// The kernel's key lengths (the engine keeps those the installed OpenSSL provides).
    var keySizes: [Int] { catalog.keySizes }
    var ivSize: Int { catalog.ivSize }
    var blockSize: Int { catalog.blockSize }
    var requiresBlockMultiple: Bool { catalog.requiresBlockMultiple }
    var minimumInput: Int { catalog.minimumInput }
    var layout: Layout { mapping.layout }
    /// OpenSSL parameter: CTS variant (the kernel's cts is CBC-CS3).
    var ctsMode: StaticString? { mapping.ctsCS3 ? "CS3" : nil }
    /// Largest input per request, with the reason (OpenSSL XTS refuses data units over 2^20 blocks).
    var maximumInput: (limit: Int, reason: String)? { mapping.maximumInput.map { ($0.limit, $0.reason) } }

    /// The EVP cipher name for an EVP key length (after layout conversion).
    func evpName(_ evpKeyLength: Int) -> String { mapping.name(cipherKeyLength: evpKeyLength) }

    /// The EVP key length for a kernel key length (rfc3686 strips the nonce).
    func evpKeyLength(_ keyLength: Int) -> Int { catalog.keyLayout.cipherKeyLength(keyLength) }
}
