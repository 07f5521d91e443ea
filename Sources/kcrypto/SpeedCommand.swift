import ArgumentParser
import Foundation
import KernelCipher

/// `--format text|json|csv` for `kcrypto speed`.
enum SpeedFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, csv
}

/// `--engine kernel|software|all` for `kcrypto speed`.
enum SpeedEngine: String, CaseIterable, ExpressibleByArgument {
    case kernel, software, all
}

/// Comma-separated positive integers (`--sizes`, `--inflight`).
struct IntList: ExpressibleByArgument, Sendable {
    let values: [Int]
    init?(argument: String) {
        let parsed = argument.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? -1) > 0 }) else { return nil }
        values = parsed.map { $0! }
    }

    /// Shown in `--help` as `16,256,…`.
    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

/// One result cell of `kcrypto speed`: median and spread over the repeats.
struct SpeedCell: Codable, Sendable {
    var engine: String
    var algorithm: String
    var driver: String
    var api: SpeedAPI
    var size: Int
    var inflight: Int
    var repeats: Int
    /// Messages and seconds of the median repeat.
    var messages: Int
    var seconds: Double
    var nsPerMessage: Double
    var nsMin: Double
    var nsMax: Double
    var megabytesPerSecond: Double
    /// Heap allocations per message in the median repeat (with Benchmarks/AllocationCounter preloaded only).
    var allocationsPerMessage: Double?

    init(engine: String, algorithm: String, driver: String, api: SpeedAPI, size: Int, inflight: Int,
         samples: [SpeedSample]) {
        let sorted = samples.sorted { $0.nsPerMessage < $1.nsPerMessage }
        let median = sorted[sorted.count / 2]
        self.engine = engine; self.algorithm = algorithm; self.driver = driver; self.api = api
        self.size = size; self.inflight = inflight; repeats = samples.count
        messages = median.messages; seconds = median.seconds
        nsPerMessage = sorted.count % 2 == 1 ? median.nsPerMessage
            : (median.nsPerMessage + sorted[sorted.count / 2 - 1].nsPerMessage) / 2
        nsMin = sorted.first!.nsPerMessage; nsMax = sorted.last!.nsPerMessage
        megabytesPerSecond = nsPerMessage > 0 ? Double(size) * 1e3 / nsPerMessage : 0
        allocationsPerMessage = median.allocationsPerMessage
    }

    /// The C baseline's columns first (impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps), then
    /// api,repeats,ns_min,ns_max,driver,allocs_per_msg (empty unless Benchmarks/AllocationCounter is preloaded).
    static let csvHeader =
        "impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps,api,repeats,ns_min,ns_max,driver,allocs_per_msg"
    var csvLine: String {
        let fields = ["swift", engine, algorithm, "\(size)", "\(inflight)", "\(messages)", fmt(seconds, 6),
                      fmt(nsPerMessage, 1), fmt(megabytesPerSecond, 2), api.rawValue, "\(repeats)",
                      fmt(nsMin, 1), fmt(nsMax, 1), driver, allocationsPerMessage.map { fmt($0, 2) } ?? ""]
        return fields.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",")
    }
}

func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

extension Kcrypto {
    /// `kcrypto speed`: throughput and time per request through the public API.
    struct Speed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure encryption throughput and time per request per algorithm × size × engine × requests in flight.",
            discussion: "inflight 1 runs the synchronous call (encrypt(_:into:iv:), digest(_:into:)) on reused buffers; inflight N > 1 keeps N callback requests in flight on one transform, each completion submitting the next; --async adds rows for N tasks awaiting encrypt(_:iv:) or digest(_:). Skciphers, AEADs (encryption, empty associated data, largest tag; SIZE is the plaintext) and hashes/MACs (one digest per message) share these loops. Each cell runs --seconds per repeat; the median and min/max over --repeat runs are reported. Compare with Benchmarks/CBaseline (Scripts/bench)."
        )

        @Option(name: [.short, .customLong("cipher")], help: "Kernel algorithm name: skcipher, AEAD, hash or MAC (repeatable).")
        var ciphers: [String] = []

        @Option(help: "Message sizes in bytes, comma-separated.")
        var sizes = IntList(argument: "16,256,4096,65536,1048576")!

        @Option(help: "Engine: kernel, software or all (all skips an unavailable engine with a note).")
        var engine: SpeedEngine = .all

        @Option(help: "Requests in flight, comma-separated (1 = synchronous call).")
        var inflight = IntList(argument: "1,8,64")!

        @Flag(help: "Also measure the async API (N tasks awaiting encrypt or digest) for every inflight value.")
        var async = false

        @Flag(help: "Also measure one callback request in flight (a chain of one request) where --inflight has 1.")
        var requestAtOne = false

        @Option(help: "Seconds per cell and repeat.")
        var seconds: Double = 0.5

        @Option(help: "Repeats per cell (median and spread are reported).")
        var `repeat`: Int = 3

        @Option(help: "Output format: text, json or csv.")
        var format: SpeedFormat = .text

        /// The largest message size (two buffers of it per request in flight are allocated).
        static let maximumSize = 256 << 20
        /// The most requests in flight.
        static let maximumInflight = 65536
        /// The largest size × inflight (half the buffer memory).
        static let maximumMemory = 1 << 30

        func validate() throws {
            guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
            guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
        }

        /// Sizes that would make the buffers fail to allocate (an abort) are refused with one line, exit 1.
        func checkSizes() throws(ExitCode) {
            var problem: String?
            let largest = (sizes.values.max() ?? 0) * (inflight.values.max() ?? 0)
            if let size = sizes.values.first(where: { $0 > Self.maximumSize }) {
                problem = "--sizes: \(size) is larger than the limit of \(Self.maximumSize) bytes"
            } else if let n = inflight.values.first(where: { $0 > Self.maximumInflight }) {
                problem = "--inflight: \(n) is more than the limit of \(Self.maximumInflight)"
            } else if largest > Self.maximumMemory {
                problem = "--sizes × --inflight needs \(2 * largest) bytes of buffers; the limit is \(2 * Self.maximumMemory)"
            }
            if let problem {
                Console.error(problem)
                throw ExitCode(1)
            }
        }

        func run() async throws {
            try checkSizes()
            let subjects = try openSubjects(ciphers.isEmpty ? ["cbc(aes)", "ctr(aes)", "xts(aes)"] : ciphers)
            defer { for (_, subject) in subjects { subject.release() } }
            guard !subjects.isEmpty else { Console.error("nothing to measure"); throw ExitCode(1) }
            var plans: [(SpeedAPI, Int)] = inflight.values.flatMap { n -> [(SpeedAPI, Int)] in
                n > 1 ? [(.request, n)] : requestAtOne ? [(.sync, 1), (.request, 1)] : [(.sync, 1)]
            }
            if async { plans += inflight.values.map { (.async, $0) } }
            var cells = subjects.flatMap { name, subject in
                sizes.values.flatMap { size in
                    plans.map { SpeedPlan(name: name, subject: subject, api: $0.0, size: size, inflight: $0.1) }
                }
            }
            // Repeats are the outer loop, so each cell's repeats are spread over the whole run (noise). A cell that
            // fails is dropped with its error, as itself.
            for _ in 0..<`repeat` {
                for i in cells.indices where !cells[i].failed {
                    let cell = cells[i]
                    do {
                        cells[i].samples.append(try await cell.subject.measure(
                            cell.api, size: cell.size, inflight: cell.inflight, seconds: seconds))
                    } catch {
                        Console.error("skipping \(cell.name) \(cell.subject.engine) \(cell.api.rawValue) size \(cell.size): \(error)")
                        cells[i].failed = true
                    }
                }
            }
            let results = cells.filter { !$0.failed && !$0.samples.isEmpty }.map { cell in
                SpeedCell(engine: cell.subject.engine.rawValue, algorithm: cell.name, driver: cell.subject.driver,
                          api: cell.api, size: cell.size, inflight: cell.inflight, samples: cell.samples)
            }
            guard !results.isEmpty else { Console.error("nothing measured: every cell failed"); throw ExitCode(1) }
            switch format {
            case .csv:
                try Console.print(([SpeedCell.csvHeader] + results.map(\.csvLine)).joined(separator: "\n"))
            case .json:
                try Console.printJSON(SpeedReport(secondsPerCell: seconds, repeats: `repeat`, results: results))
            case .text:
                try Console.print(Self.render(results))
            }
        }

        /// One keyed transform per engine × name, AEAD names first (their rows come first). A transform that
        /// cannot be had is an error under `--engine kernel|software`, a note under `--engine all`.
        func openSubjects(_ names: [String]) throws -> [(name: String, subject: any SpeedSubject)] {
            let engines: [EnginePreference] = switch engine {
            case .kernel: [.kernel]
            case .software: [.software]
            case .all: [.software, .kernel]
            }
            let isAEAD = { (name: String) in AEADTransform.knownAlgorithms.contains(name) }
            var subjects: [(name: String, subject: any SpeedSubject)] = []
            for group in [names.filter(isAEAD), names.filter { !isAEAD($0) }] {
                for preference in engines {
                    for name in group {
                        do {
                            subjects.append((name, try Self.open(name, engine: preference)))
                        } catch {
                            if engine != .all {
                                Console.error("\(name) (\(preference.rawValue)): \(error)")
                                throw ExitCode(1)
                            }
                            Console.error("skipping \(name) on the \(preference.rawValue) engine: \(error)")
                        }
                    }
                }
            }
            return subjects
        }

        /// The family `name` belongs to, keyed with the benchmark key: AEAD, hash or MAC (a name some engine
        /// offers as one), else skcipher.
        static func open(_ name: String, engine: EnginePreference) throws(KernelCipherError) -> any SpeedSubject {
            let key = { (count: Int) in SpeedMeasurement.key(count: count) }
            if AEADTransform.knownAlgorithms.contains(name) {
                let tfm = try AEADTransform(name, engine: engine)
                do { try tfm.setKey(key(tfm.keySizes?.first ?? 16)) } catch { tfm.release(); throw error }
                return AEADSpeedSubject(transform: tfm)
            }
            if HashTransform.isAvailable(name, engine: .software) || HashTransform.isAvailable(name, engine: .kernel) {
                let tfm = try HashTransform(name, engine: engine)
                do {
                    if tfm.isKeyed { try tfm.setKey(key(tfm.keySizes?.first ?? 32)) }
                } catch {
                    tfm.release()
                    throw error
                }
                return HashSpeedSubject(transform: tfm)
            }
            let tfm = try CipherTransform(name, engine: engine)
            do { try tfm.setKey(key(tfm.keySizes?.first ?? 16)) } catch { tfm.release(); throw error }
            return CipherSpeedSubject(transform: tfm)
        }

        static func render(_ cells: [SpeedCell]) -> String {
            let counted = cells.contains { $0.allocationsPerMessage != nil }
            var rows = [["ENGINE", "ALGORITHM", "API", "SIZE", "INFLIGHT", "NS/MSG", "MB/S", "SPREAD"]
                + (counted ? ["ALLOCS/MSG"] : []) + ["DRIVER"]]
            for c in cells {
                let spread = c.nsPerMessage > 0 ? (c.nsMax - c.nsMin) / c.nsPerMessage * 100 : 0
                rows.append([c.engine, c.algorithm, c.api.rawValue, "\(c.size)", "\(c.inflight)",
                             fmt(c.nsPerMessage, 1), fmt(c.megabytesPerSecond, 1), "±" + fmt(spread / 2, 1) + "%"]
                    + (counted ? [c.allocationsPerMessage.map { fmt($0, 2) } ?? "-"] : []) + [c.driver])
            }
            return Console.table(rows) + "\n\nNS/MSG and MB/S: median over repeats; SPREAD: (max − min) / 2 / median."
                + (counted ? "\nALLOCS/MSG: heap allocations per message in the median repeat (setup included)." : "")
        }
    }
}

/// One cell of `kcrypto speed` while it is measured: what, on which transform, and the samples so far.
struct SpeedPlan {
    let name: String
    let subject: any SpeedSubject
    let api: SpeedAPI
    let size: Int
    let inflight: Int
    var samples: [SpeedSample] = []
    var failed = false
}

/// JSON shape of `kcrypto speed --format json`.
struct SpeedReport: Codable {
    var secondsPerCell: Double
    var repeats: Int
    var results: [SpeedCell]
}
