import Testing

@Suite struct KcryptoSmokeTests {
    @Test func placeholderBuilds() { #expect(Bool(true)) }
}
