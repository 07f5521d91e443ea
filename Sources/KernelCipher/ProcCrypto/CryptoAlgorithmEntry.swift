/// One `key : value` block of `/proc/crypto` (one registered algorithm driver), every field kept in order.
public struct CryptoAlgorithmEntry: Sendable, Hashable, Codable {
    /// One `key : value` line of a `/proc/crypto` block, both sides trimmed.
    public struct Field: Sendable, Hashable, Codable {
        /// The key, e.g. `min keysize`.
        public var key: String
        /// The raw value, e.g. `16`.
        public var value: String

        /// Creates a field.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// All fields in file order; duplicate and unknown keys are kept as they appear.
    public var fields: [Field]

    /// Creates an entry from fields in file order.
    public init(fields: [Field]) { self.fields = fields }

    /// Creates an entry from `(key, value)` pairs in file order.
    public init(_ pairs: KeyValuePairs<String, String>) {
        self.fields = pairs.map { Field(key: $0.key, value: $0.value) }
    }

    /// The value of the first field named `key`, or nil.
    public subscript(key: String) -> String? {
        fields.first(where: { $0.key == key })?.value
    }

    /// Every value of fields named `key`, in file order (more than one only for malformed input).
    public func values(for key: String) -> [String] {
        fields.filter { $0.key == key }.map(\.value)
    }

    /// The value of `key` as a decimal integer; nil when absent or not representable as `Int`.
    public func integer(_ key: String) -> Int? { self[key].flatMap { Int($0) } }

    /// The value of `key` as a flag: `yes` → true, `no` → false, otherwise nil.
    public func flag(_ key: String) -> Bool? {
        switch self[key] {
        case "yes": return true
        case "no": return false
        default: return nil
        }
    }

    // MARK: Text fields

    /// `name`: the algorithm name applications ask for, e.g. `cbc(aes)`.
    public var name: String? { self["name"] }
    /// `driver`: the unique implementation name, e.g. `cbc-aes-aesni`.
    public var driver: String? { self["driver"] }
    /// `module`: the module providing the driver, or `kernel` when built in.
    public var module: String? { self["module"] }
    /// `type`: the crypto API type, e.g. `skcipher`, `lskcipher`, `shash`, `cipher`, `larval`.
    public var type: String? { self["type"] }
    /// `selftest`: `passed`, `unknown` (not run or not yet finished) or another raw value.
    public var selftest: String? { self["selftest"] }
    /// `geniv`: the IV generator of old-style AEAD/givcipher entries.
    public var geniv: String? { self["geniv"] }

    // MARK: Flags

    /// `internal`: true for helper algorithms that cannot be allocated by users (`CRYPTO_ALG_INTERNAL`).
    public var isInternal: Bool? { flag("internal") }
    /// `fips`: whether the driver is allowed in FIPS mode (only printed by FIPS-enabled kernels).
    public var isFIPSAllowed: Bool? { flag("fips") }
    /// `async`: whether the driver completes asynchronously (printed for skcipher/ahash/aead types).
    public var isAsync: Bool? { flag("async") }
    /// `selftest : passed` → true, `unknown` or absent → nil, anything else → false.
    public var selftestPassed: Bool? {
        switch selftest {
        case "passed": return true
        case "unknown", nil: return nil
        default: return false
        }
    }

    // MARK: Numeric fields

    /// `priority`: higher wins when several drivers share a name.
    public var priority: Int? { integer("priority") }
    /// `refcnt`: the kernel's reference count of the algorithm.
    public var refcnt: Int? { integer("refcnt") }
    /// `blocksize` in bytes.
    public var blockSize: Int? { integer("blocksize") }
    /// `min keysize` in bytes.
    public var minKeySize: Int? { integer("min keysize") }
    /// `max keysize` in bytes.
    public var maxKeySize: Int? { integer("max keysize") }
    /// `ivsize` in bytes.
    public var ivSize: Int? { integer("ivsize") }
    /// `chunksize` in bytes (stream ciphers such as CTR report the block size here).
    public var chunkSize: Int? { integer("chunksize") }
    /// `walksize` in bytes.
    public var walkSize: Int? { integer("walksize") }
    /// `statesize` in bytes (export/import state of hashes and lskciphers).
    public var stateSize: Int? { integer("statesize") }
    /// `digestsize` in bytes.
    public var digestSize: Int? { integer("digestsize") }
    /// `maxauthsize`: the largest AEAD tag in bytes.
    public var maxAuthSize: Int? { integer("maxauthsize") }
    /// `seedsize` in bytes (rng).
    public var seedSize: Int? { integer("seedsize") }

    // MARK: Derived

    /// The AF_ALG socket type that can bind this entry's `type`, or nil when it is not bindable.
    public var socketType: AFALGSocketType? { type.flatMap(AFALGSocketType.init(procCryptoType:)) }

    /// True for a `larval` placeholder (an instantiation or registration still in progress).
    public var isLarval: Bool { type == "larval" }

    /// The key drivers compete under for one name: the AF_ALG socket type when bindable (so `skcipher` and
    /// `lskcipher` compete, as do `shash` and `ahash`), else the raw `type`.
    public var selectionClass: String { socketType?.rawValue ?? type ?? "" }

    /// Whether the kernel may pick this entry for a plain name lookup: not internal, not larval, selftest
    /// passed or unknown (mirrors `__crypto_alg_lookup` in crypto/api.c, minus module and FIPS state).
    public var isSelectable: Bool {
        isInternal != true && !isLarval && selftestPassed != false && name != nil
    }
}
