extension CipherTransform {
    /// How a message split into several requests on this transform continues (see ``IVChaining``): the catalog's
    /// rule for `algorithm` (for a template over a cipher outside the table, e.g. `cbc(serpent)`, the template's
    /// rule), or `.wholeMessage` when the name is a driver name (`cbc-aes-aesni`) or unknown, or the engine's IV
    /// size does not fit the rule.
    public var ivChaining: IVChaining { AlgorithmCatalog.chaining(name: properties.name, ivSize: ivSize) }
}
