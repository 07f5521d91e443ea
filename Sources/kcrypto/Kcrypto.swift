#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
@_spi(Platform) import KernelCipher

@main
struct Kcrypto: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kcrypto",
        abstract: "Discover, use and diagnose the Linux kernel crypto API (AF_ALG) with a software fallback.",
        // Discovery commands; `enc`, `dec` and `speed` are added here by the engine work.
        subcommands: [List.self, Show.self, Has.self, Doctor.self, Enc.self, Dec.self, Dgst.self, Rng.self, KDF.self, Speed.self]
    )

    /// ArgumentParser's `main`, with the signal handlers installed and descriptors 0–2 reserved first, argv
    /// encoded reversibly (`ArgvEncoding`, so file names reach `open` byte for byte), help written through the
    /// checked stdout writer, and parse errors that never echo a value (it may be a key given to the wrong option).
    /// Usage errors a command finds while running (`UsageError`, `ValidationError`) print that command's usage and
    /// exit 64.
    ///
    /// Synchronous, so that a synchronous command (`enc`, `dec`) runs on the main thread without starting the
    /// Swift concurrency runtime (its worker threads, epoll and timer descriptors); `async` commands run through
    /// `runAsync`.
    static func main() {
        InterruptCleanup.install()
        StandardStreams.reserve()
        let arguments = ArgvEncoding.encodedArguments()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            fail(error, arguments: arguments)
        }
        do {
            if let asyncCommand = command as? any AsyncParsableCommand {
                try runAsync(asyncCommand)
            } else {
                try command.run()
            }
        } catch let error as UsageError {
            usageFailure(error.message, command: type(of: command))
        } catch let error as ValidationError {
            usageFailure(error.message, command: type(of: command))
        } catch {
            fail(error, arguments: arguments)
        }
    }

    /// Runs an `async` command to its end from the synchronous `main`: a detached task on the concurrency runtime
    /// while the main thread waits; rethrows what `run()` threw.
    static func runAsync(_ command: any AsyncParsableCommand) throws {
        final class Outcome: @unchecked Sendable {
            /// Set by the task before it marks itself done; read by the main thread after.
            var error: (any Error)?
        }
        let outcome = Outcome()
        let done = ConditionLock(false)
        nonisolated(unsafe) var command = command
        Task.detached {
            do { try await command.run() } catch { outcome.error = error }
            done.withLock { $0 = true }
            done.broadcast()
        }
        done.withLock(waitingUntil: { $0 }) { _ in }
        if let error = outcome.error { throw error }
    }

    /// Prints `kcrypto: message` (escaped) and `command`'s usage on stderr; exits 64.
    static func usageFailure(_ message: String, command: any ParsableCommand.Type) -> Never {
        let name = ([commandName()] + (path(to: command, under: Kcrypto.self) ?? [command._commandName]))
            .joined(separator: " ")
        Console.error(ArgvEncoding.displayable(message))
        StandardStreams.write(2, "Usage: " + Kcrypto.usageString(for: command).trimmingTrailingSpaces()
            + "\n  See '\(name) --help' for more information.\n")
        Glibc.exit(ExitCode.validationFailure.rawValue)
    }

    private static func commandName() -> String { configuration.commandName ?? "kcrypto" }

    /// The subcommand names from `root` down to `command` (`["kdf", "pbkdf2"]`), nil when it is not below `root`.
    private static func path(to command: any ParsableCommand.Type, under root: any ParsableCommand.Type) -> [String]? {
        if command == root { return [] }
        for child in root.configuration.subcommands {
            if let rest = path(to: command, under: child) { return [child._commandName] + rest }
        }
        return nil
    }

    /// ArgumentParser's message and exit code for `error` (help and version on stdout).
    static func fail(_ error: any Error, arguments: [String]) -> Never {
        let code = exitCode(for: error)
        let message = fullMessage(for: error)
        if code == .success {
            if !message.isEmpty {
                do { try Console.print(message) } catch { Glibc.exit(1) }
            }
        } else if !message.isEmpty {
            let lines = ParseErrorText.redacted(message, arguments: arguments)
                .split(separator: "\n", omittingEmptySubsequences: false)
                .map { Text.escaped(ArgvEncoding.displayable(String($0))) }
            StandardStreams.write(2, lines.joined(separator: "\n") + "\n")
        }
        Glibc.exit(code.rawValue)
    }
}

/// Rewrites ArgumentParser's messages so that they name options and positions, never the values typed.
enum ParseErrorText {
    static func redacted(_ message: String, arguments: [String]) -> String {
        // Values typed: arguments that are not options, the part after `=` of `--option=value`, and "options"
        // that are a long run of hex digits after the dashes (`--00112233…`).
        var values: [(text: String, position: Int)] = []
        for (i, argument) in arguments.enumerated() {
            if argument.hasPrefix("-"), argument.count > 1 {
                let name = argument.drop { $0 == "-" }.prefix { $0 != "=" }
                if name.count >= 16 && name.allSatisfy(\.isHexDigit) {
                    values.append((argument, i + 1))
                } else if let eq = argument.firstIndex(of: "=") {
                    values.append((String(argument[argument.index(after: eq)...]), i + 1))
                }
            } else if !argument.isEmpty {
                values.append((argument, i + 1))
            }
        }
        values.sort { $0.text.count > $1.text.count }
        return message.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var line = String(line)
            if line.hasPrefix("Error: The value '"), let range = line.range(of: "' is invalid for '"),
               let close = line[range.upperBound...].firstIndex(of: "'") {
                let option = line[range.upperBound..<close]
                line = "Error: The value given for '\(option)' is not valid" + line[line.index(after: close)...]
            } else if line.hasPrefix("Error: "), line.lowercased().contains("unexpected argument") {
                let positions = values.filter { line.contains("'\($0.text)'") }.map(\.position).sorted()
                line = "Error: Unexpected argument" + (positions.count == 1 ? "" : "s") + " (the "
                    + positions.map(ordinal).joined(separator: ", ") + " on the command line)"
            }
            for value in values { line = line.replacingAll("'\(value.text)'", with: "(value not shown)") }
            return line
        }.joined(separator: "\n")
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}

extension String {
    /// Every occurrence of `target` replaced by `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return components(separatedBy: target).joined(separator: replacement)
    }
}
