/// The `af_alg_restrict=1` allowlist as read from one kernel: it explains an ENOENT from `bind()`, it never decides
/// one (the `bind()` outcome on the running kernel is the truth; `AFALGPolicy.usability(of:type:)`).
///
/// Read by binding every `/proc/crypto` name and driver (plus common templates) on Debian's 7.3.4+deb13-amd64 as
/// root and as uid 65534 (the `AFALGPolicyAllowlistProbe` test repeats that probe on every 7.3 run). The list is
/// by algorithm name: driver names (`cbc-aes-lib`, …) are refused at level 1 even where their name is allowed.
/// `hctr2(aes)` and `adiantum(xchacha12,aes)` come from the patch; 7.3.4's Debian build has no hctr2.
public enum AFALGAllowlist {
    /// The kernel release the table was read from.
    public static let kernelRelease = "7.3.4+deb13-amd64"

    /// Names every process may bind at level 1, per socket type.
    public static let unprivileged: [AFALGSocketType: Set<String>] = [
        .skcipher: ["xts(aes)", "hctr2(aes)", "adiantum(xchacha12,aes)", "adiantum(xchacha20,aes)",
                    "xts(camellia)", "xts(serpent)", "xts(twofish)"],
        .hash: ["sha1"],
        .aead: [],
        .rng: [],
    ]

    /// Names only privileged processes may bind at level 1 (in addition to `unprivileged`).
    public static let privilegedOnly: [AFALGSocketType: Set<String>] = [
        .skcipher: ["cbc(aes)", "ctr(aes)", "ecb(aes)", "cbc(des)", "ecb(des)", "cbc(des3_ede)", "cbc(paes)"],
        .hash: ["cmac(aes)", "hmac(md5)", "hmac(sha1)", "hmac(sha224)", "hmac(sha256)", "hmac(sha384)",
                "hmac(sha512)", "md4", "md5", "sha224", "sha256", "sha384", "sha512"],
        .aead: ["ccm(aes)"],
        .rng: [],
    ]

    /// Kernel template names (`crypto_register_template`) a name may be built from, e.g. `cts` in `cts(cbc(aes))`.
    static let templates: Set<String> = [
        "adiantum", "authenc", "authencesn", "cbc", "cbcmac", "ccm", "chacha20poly1305", "cmac", "cryptd", "ctr",
        "cts", "ecb", "echainiv", "essiv", "gcm", "gcm_base", "hctr2", "hctr2_base", "hmac", "lrw", "pcbc", "pcrypt",
        "rfc3686", "rfc4106", "rfc4309", "rfc4543", "rfc7539", "rfc7539esp", "seqiv", "xcbc", "xctr", "xts",
    ]

    /// Names a kernel template accepts as an argument although no algorithm of that name exists: since Linux 6.16
    /// `rfc7539(chacha20,poly1305)` takes `poly1305` by name and uses lib/crypto's (7.3.4's chacha20poly1305.ko has
    /// the strings, no module provides `crypto-poly1305`).
    static let templateArguments: Set<String> = ["poly1305", "poly1305-generic"]

    /// How the table and `/proc/crypto` read a name that failed to bind with ENOENT at level 1.
    enum Reading: Equatable {
        /// The allowlist has it for this privilege: the ENOENT is the kernel not having it.
        case allowed
        /// The allowlist has it for privileged processes only.
        case allowedIfPrivileged
        /// Not on the allowlist, but the kernel lists it (name or driver) or has every part it is built from.
        case notListedButKnown
        /// Not on the allowlist and nothing says the kernel has it.
        case unknown
    }

    /// Reads `name` (bound as `type`) against the table for this privilege and, when it is not on the allowlist,
    /// against `/proc/crypto`: listed as a name or driver, or a template expression whose templates are kernel
    /// templates and whose base algorithms are listed.
    /// `moduleAlgorithms`: names the kernel can load on demand (`crypto-NAME` module aliases, `kernelModuleAlgorithms`),
    /// e.g. `chacha20` before anything loaded it.
    static func classify(_ name: String, type: AFALGSocketType, privileged: Bool, procCrypto: ProcCrypto?,
                         moduleAlgorithms: Set<String> = []) -> Reading {
        if unprivileged[type, default: []].contains(name) { return .allowed }
        if privilegedOnly[type, default: []].contains(name) { return privileged ? .allowed : .allowedIfPrivileged }
        guard let procCrypto else { return .unknown }
        let listed = Set(procCrypto.entries.flatMap { [$0.name, $0.driver].compactMap { $0 } }).union(moduleAlgorithms)
        if listed.contains(name) { return .notListedButKnown }
        guard let parts = templateParts(name), !parts.bases.isEmpty,
              parts.templates.allSatisfy(templates.contains),
              parts.bases.allSatisfy({ listed.contains($0) || templateArguments.contains($0) })
        else { return .unknown }
        return .notListedButKnown
    }

    /// Algorithm and template names the running kernel's modules provide on demand: the `crypto-NAME` aliases in
    /// `/lib/modules/RELEASE/modules.alias` and `modules.builtin.modinfo` (empty where those files are missing).
    static func kernelModuleAlgorithms(release: String) -> Set<String> {
        var names = Set<String>()
        let directory = "/lib/modules/\(release)/"
        if let aliases = SmallFile.text(directory + "modules.alias") {
            for line in aliases.split(separator: "\n") where line.hasPrefix("alias crypto-") {
                let fields = line.split(separator: " ")
                if fields.count >= 2 { names.insert(String(fields[1].dropFirst("crypto-".count))) }
            }
        }
        if let builtin = SmallFile.text(directory + "modules.builtin.modinfo") {
            for record in builtin.split(separator: "\0") {
                guard let equals = record.firstIndex(of: "="), record[..<equals].hasSuffix(".alias") else { continue }
                let value = record[record.index(after: equals)...]
                if value.hasPrefix("crypto-") { names.insert(String(value.dropFirst("crypto-".count))) }
            }
        }
        return names
    }

    /// Splits `cts(cbc(aes))` into templates `[cts, cbc]` and bases `[aes]`; nil when the parentheses do not balance
    /// or a part is empty.
    static func templateParts(_ name: String) -> (templates: [String], bases: [String])? {
        var templates: [String] = [], bases: [String] = [], token = "", depth = 0
        for character in name {
            switch character {
            case "(":
                guard !token.isEmpty else { return nil }
                templates.append(token); token = ""; depth += 1
            case ")", ",":
                if !token.isEmpty { bases.append(token); token = "" }
                if character == ")" { depth -= 1; guard depth >= 0 else { return nil } }
            default: token.append(character)
            }
        }
        if !token.isEmpty { bases.append(token) }
        guard depth == 0, !templates.isEmpty || !bases.isEmpty else { return nil }
        return (templates, bases)
    }
}
