extension AFALGTransformSocket {
    /// `socket(AF_ALG, …)` + `bind(sockaddr_alg{type, name})` for an engine, the errno read through the AF_ALG
    /// policy: ENOENT is an unknown name or, under `af_alg_restrict` (7.3+), a refused one; EAFNOSUPPORT is no
    /// AF_ALG (or `af_alg_restrict=2`). Every family's kernel engine binds through here, so all of them report a
    /// policy refusal as `.refusedByPolicy`, never as "not found".
    static func bound(type: AFALGSocketType, name: String) throws(KernelCipherError) -> AFALGTransformSocket {
        do throws(Errno) {
            return try AFALGTransformSocket(type: type, name: name)
        } catch let errno {
            switch AFALGPolicy.explain(errno, name: name, type: type, policy: .current) {
            case .refusedByPolicy(let refusal): throw .refusedByPolicy(refusal)
            case .notFound: throw .algorithmNotFound(name, engine: .kernel)
            case .unavailable(let errno) where errno == .addressFamilyNotSupported:
                throw .afAlgUnavailable(.unavailable(errno))
            case .unavailable, .usable: throw .kernel(operation: "bind(\(type), \(name))", errno: errno)
            }
        }
    }
}
