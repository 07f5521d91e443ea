import ArgumentParser
import KernelCipher

@main
struct Kcrypto: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kcrypto",
        abstract: "Discover, use and diagnose the Linux kernel crypto API (AF_ALG) with a software fallback.",
        // Discovery commands; `enc`, `dec` and `speed` are added here by the engine work.
        subcommands: [List.self, Show.self, Has.self, Doctor.self, Enc.self, Dec.self, Speed.self]
    )
}
