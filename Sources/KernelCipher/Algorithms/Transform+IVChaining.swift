extension Transform {
    /// How a message split into several requests on this transform continues (see ``IVChaining``): the catalog's
    /// rule for `algorithm`, or `.wholeMessage` when the catalog does not know the name (a driver name such as
    /// `cbc-aes-aesni`, or an algorithm outside the table) or its IV size differs from the engine's.
    public var ivChaining: IVChaining {
        guard let entry = CipherAlgorithm(named: algorithm), entry.ivSize == ivSize else { return .wholeMessage }
        return entry.ivChaining
    }
}
