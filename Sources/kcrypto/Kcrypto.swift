import ArgumentParser
import KernelCipher

@main
struct Kcrypto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kcrypto",
        abstract: "Discover, use and diagnose the Linux kernel crypto API (AF_ALG) with a software fallback.",
        subcommands: []
    )
}
