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
    }

    /// The C baseline's columns first (impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps), then
    /// api,repeats,ns_min,ns_max,driver.
    static let csvHeader = "impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps,api,repeats,ns_min,ns_max,driver"
    var csvLine: String {
        let fields = ["swift", engine, algorithm, "\(size)", "\(inflight)", "\(messages)", fmt(seconds, 6),
                      fmt(nsPerMessage, 1), fmt(megabytesPerSecond, 2), api.rawValue, "\(repeats)",
                      fmt(nsMin, 1), fmt(nsMax, 1), driver]
        return fields.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",")
    }
}

func fmt(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

extension Kcrypto {
    /// `kcrypto speed`: throughput and time per request through the public API.
    struct Speed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure encryption throughput and time per request per algorithm × size × engine × requests in flight.",
            discussion: "inflight 1 runs the synchronous encrypt(_:into:iv:) on reused buffers; inflight N > 1 keeps N callback requests (caller buffers) in flight; --async adds rows for N tasks awaiting encrypt(_:iv:). Each cell runs --seconds per repeat; the median and min/max over --repeat runs are reported. Compare with Benchmarks/CBaseline (Scripts/bench)."
        )

        @Option(name: [.short, .customLong("cipher")], help: "Kernel algorithm name (repeatable).")
        var ciphers: [String] = []

        @Option(help: "Message sizes in bytes, comma-separated.")
        var sizes = IntList(argument: "16,256,4096,65536,1048576")!

        @Option(help: "Engine: kernel, software or all (all skips an unavailable engine with a note).")
        var engine: SpeedEngine = .all

        @Option(help: "Requests in flight, comma-separated (1 = synchronous call).")
        var inflight = IntList(argument: "1,8,64")!

        @Flag(help: "Also measure the async API (N tasks awaiting encrypt) for every inflight value.")
        var async = false

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
            let names = ciphers.isEmpty ? ["cbc(aes)", "ctr(aes)", "xts(aes)"] : ciphers
            if let hashes = Self.hashNames(names) { return try await runHashes(hashes) }  // SpeedCommand+Hash.swift
            let engines: [EnginePreference] = switch engine {
            case .kernel: [.kernel]
            case .software: [.software]
            case .all: [.software, .kernel]
            }
            let aeadCells = try await measureAEAD(names.filter { AEADTransform.knownAlgorithms.contains($0) }, engines: engines)
            var transforms: [(EnginePreference, String, Transform)] = []
            for preference in engines {
                for name in names where !AEADTransform.knownAlgorithms.contains(name) {
                    do {
                        let tfm = try Transform(name, engine: preference)
                        try tfm.setKey(SpeedMeasurement.key(count: tfm.keySizes.first ?? 16))
                        transforms.append((preference, name, tfm))
                    } catch {
                        if engine != .all { Console.error("\(name) (\(preference.rawValue)): \(error)"); throw ExitCode(1) }
                        Console.error("skipping \(name) on the \(preference.rawValue) engine: \(error)")
                    }
                }
            }
            guard !transforms.isEmpty || !aeadCells.isEmpty else { Console.error("nothing to measure"); throw ExitCode(1) }

            var plans: [(SpeedAPI, Int)] = inflight.values.map { $0 == 1 ? (.sync, 1) : (.request, $0) }
            if async { plans += inflight.values.map { (.async, $0) } }
            // Repeats are the outer loop, so each cell's repeats are spread over the whole run (noise).
            var samples: [String: [SpeedSample]] = [:]
            var order: [String] = []
            var skipped = Set<String>()
            for _ in 0..<`repeat` {
                for (_, name, tfm) in transforms {
                    for size in sizes.values {
                        for (api, n) in plans {
                            let id = "\(tfm.engine)|\(name)|\(api.rawValue)|\(size)|\(n)"
                            if skipped.contains(id) { continue }
                            do {
                                let sample = try await Self.measure(tfm, api: api, size: size, inflight: n, seconds: seconds)
                                if samples[id] == nil { order.append(id) }
                                samples[id, default: []].append(sample)
                            } catch {
                                Console.error("skipping \(name) \(tfm.engine) \(api.rawValue) size \(size): \(error)")
                                skipped.insert(id)
                            }
                        }
                    }
                }
            }
            let drivers = Dictionary(transforms.map { ("\($0.2.engine)|\($0.1)", $0.2.driver) }) { a, _ in a }
            let cells = aeadCells + order.map { id -> SpeedCell in
                let p = id.split(separator: "|").map(String.init)
                return SpeedCell(engine: p[0], algorithm: p[1], driver: drivers["\(p[0])|\(p[1])"] ?? "?",
                                 api: SpeedAPI(rawValue: p[2])!, size: Int(p[3])!, inflight: Int(p[4])!,
                                 samples: samples[id]!)
            }
            for (_, _, tfm) in transforms { tfm.release() }
            switch format {
            case .csv:
                try Console.print(([SpeedCell.csvHeader] + cells.map(\.csvLine)).joined(separator: "\n"))
            case .json:
                try Console.printJSON(SpeedReport(secondsPerCell: seconds, repeats: `repeat`, results: cells))
            case .text:
                try Console.print(Self.render(cells))
            }
        }

        static func measure(_ tfm: Transform, api: SpeedAPI, size: Int, inflight: Int, seconds: Double)
            async throws -> SpeedSample
        {
            switch api {
            case .sync: return try SpeedMeasurement.sync(tfm, size: size, seconds: seconds)
            case .request: return try SpeedMeasurement.requests(tfm, size: size, inflight: inflight, seconds: seconds)
            case .async: return try await SpeedMeasurement.async(tfm, size: size, inflight: inflight, seconds: seconds)
            }
        }

        static func render(_ cells: [SpeedCell]) -> String {
            var rows = [["ENGINE", "ALGORITHM", "API", "SIZE", "INFLIGHT", "NS/MSG", "MB/S", "SPREAD", "DRIVER"]]
            for c in cells {
                let spread = c.nsPerMessage > 0 ? (c.nsMax - c.nsMin) / c.nsPerMessage * 100 : 0
                rows.append([c.engine, c.algorithm, c.api.rawValue, "\(c.size)", "\(c.inflight)",
                             fmt(c.nsPerMessage, 1), fmt(c.megabytesPerSecond, 1), "±" + fmt(spread / 2, 1) + "%",
                             c.driver])
            }
            return Console.table(rows) + "\n\nNS/MSG and MB/S: median over repeats; SPREAD: (max − min) / 2 / median."
        }
    }
}

/// JSON shape of `kcrypto speed --format json`.
struct SpeedReport: Codable {
    var secondsPerCell: Double
    var repeats: Int
    var results: [SpeedCell]
}
