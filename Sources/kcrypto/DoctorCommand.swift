import ArgumentParser
import KernelCipher

extension Kcrypto {
    /// `kcrypto doctor`: why the kernel path does or does not work here.
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Diagnose AF_ALG support: kernel, sockets, modules, crypto_user, libkcapi and OpenSSL versions."
        )

        @OptionGroup var proc: ProcFileOption
        @OptionGroup var output: FormatOption

        func run() async throws {
            var report: Diagnostics
            do {
                report = try proc.withLibraryPath { Diagnostics.collect(procCryptoPath: $0) }
            } catch let error as Errno {
                report = Diagnostics.collect(procCryptoPath: "")
                report.procCrypto.error = error.name
            }
            report.procCrypto.path = proc.shown
            switch output.format {
            case .json: try Console.printJSON(report)
            case .text: try Console.print(Self.render(report))
            }
        }

        /// One line: whether the kernel path is usable here, and under af_alg_restrict which policy, privilege and
        /// way out apply (the algorithms named are the standard ones `.automatic` sent to software because of it).
        static func verdict(_ d: Diagnostics) -> String {
            let policy = d.afALGPolicy
            if policy.restrictLevel == 2 {
                return "kernel path disabled by AF_ALG policy af_alg_restrict=2; the software (OpenSSL) engine will be "
                    + "used; way out: `sysctl crypto.af_alg_restrict=0` (or 1)"
            }
            guard d.afALG.succeeded else {
                return "kernel path unavailable; the software (OpenSSL) engine will be used"
            }
            guard policy.restrictLevel == 1 else { return "kernel path usable (AF_ALG sockets can be created)" }
            let refused = (d.engine.automaticChoices ?? [])
                .filter { $0.engine == "software" && $0.reason?.contains("af_alg_restrict") == true }.map(\.algorithm)
            let fallback = refused.isEmpty ? ""
                : " (--engine auto uses the software engine for \(refused.joined(separator: ", ")))"
            if policy.isPrivileged {
                return "kernel path usable, limited by AF_ALG policy af_alg_restrict=1 (allowlist) for this privileged "
                    + "process\(fallback); way out for other algorithms: `sysctl crypto.af_alg_restrict=0`, or the "
                    + "software engine"
            }
            return "kernel path limited by AF_ALG policy af_alg_restrict=1 (allowlist) for this unprivileged process"
                + "\(fallback); way out: run privileged (CAP_NET_ADMIN or CAP_SYS_ADMIN), "
                + "`sysctl crypto.af_alg_restrict=0`, or the software engine"
        }

        static func render(_ d: Diagnostics) -> String {
            func probe(_ p: Diagnostics.Probe) -> String { (p.succeeded ? "yes: " : "no: ") + p.detail }
            func checked(_ value: Bool?) -> String { value.map { $0 ? "yes" : "no" } ?? "not checked" }

            var rows: [[String]] = [
                ["kernel", "\(d.kernelRelease) (\(d.machine))"],
                ["AF_ALG socket", probe(d.afALG)],
                ["af_alg_restrict", d.afALGRestrict ?? "absent (no /proc/sys/crypto/af_alg_restrict)"],
                ["privilege", d.afALGPolicy.isPrivileged
                    ? "privileged for AF_ALG policy (CAP_NET_ADMIN in the initial user namespace, or CAP_SYS_ADMIN)"
                    : "unprivileged for AF_ALG policy (no CAP_NET_ADMIN in the initial user namespace, no CAP_SYS_ADMIN)"],
                ["module support", d.moduleSupport ? "yes (/proc/modules)" : "no /proc/modules (kernel without CONFIG_MODULES?)"],
            ]
            for module in d.modules {
                let state = switch module.state {
                case .loaded: "loaded"
                case .builtIn: "built-in"
                case .notLoaded: "not loaded (module available; autoloaded on use)"
                case .notFound: "not found (absent, or built in without a /sys/module entry)"
                }
                rows.append(["  \(module.name)", "\(state) [\(module.evidence)]"])
            }
            rows.append(["crypto_user netlink", probe(d.cryptoUserNetlink)])
            let pc = d.procCrypto
            if let error = pc.error {
                rows.append(["/proc/crypto", "unreadable: \(pc.path): \(error)"])
            } else {
                let types = (pc.types ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                rows.append(["/proc/crypto", "\(pc.entries ?? 0) entries, \(pc.bytes ?? 0) bytes, "
                    + "\(pc.bindableNames ?? 0) names bindable through AF_ALG (\(pc.path))"])
                rows.append(["  types", types])
                if let w = pc.warnings, w > 0 { rows.append(["  warnings", "\(w) malformed line(s)"]) }
            }
            rows.append(["libkcapi", d.libkcapiVersion])
            rows.append(["OpenSSL", d.openSSLVersion])
            rows.append(["AIO accepted", checked(d.engine.aioAccepted) + (d.engine.aioDetail.map { " (\($0))" } ?? "")])
            rows.append(["AIO asynchronous", checked(d.engine.aioCompletesAsynchronously)])
            rows.append(["completion (auto)", d.engine.automaticCompletion ?? "not checked"])
            if let choices = d.engine.automaticChoices {
                rows.append(["automatic engine", choices.isEmpty ? "none reported" : ""])
                for c in choices {
                    rows.append(["  \(c.algorithm)", c.engine + (c.reason.map { " (\($0))" } ?? "")])
                }
            } else {
                rows.append(["automatic engine", "not checked"])
            }
            rows.append(["keyring keys", "(ALG_SET_KEY_BY_KEY_SERIAL) " + (d.keyringKeys ?? "not checked")])
            rows.append(["verdict", verdict(d)])
            let width = rows.map(\.[0].count).max() ?? 0
            return rows.map { $0[0].padding(toLength: width, withPad: " ", startingAt: 0) + " : " + $0[1] }
                .map { $0.trimmingTrailingSpaces() }.joined(separator: "\n")
        }
    }
}
