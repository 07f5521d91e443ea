import ArgumentParser
import Foundation
import KernelCipher

// `kcrypto speed -c sha256` / `-c 'hmac(sha256)'`: the same cells and CSV columns as the skcipher rows, measured
// through `HashTransform` (sync: `digest(_:into:)` on reused buffers; request: N `HashRequest`s in flight).
extension Kcrypto.Speed {
    /// Whether `name` is measured as a hash: every name is a hash or MAC that some engine offers here.
    static func hashNames(_ names: [String]) -> [String]? {
        guard !names.isEmpty, names.allSatisfy({ name in
            HashTransform.isAvailable(name, engine: .software) || HashTransform.isAvailable(name, engine: .kernel)
        }) else { return nil }
        return names
    }

    /// Runs the hash cells and prints them in `format`.
    func runHashes(_ names: [String]) async throws {
        let engines: [EnginePreference] = switch engine {
        case .kernel: [.kernel]
        case .software: [.software]
        case .all: [.software, .kernel]
        }
        var transforms: [(String, HashTransform)] = []
        for preference in engines {
            for name in names {
                do {
                    let hash = try HashTransform(name, engine: preference)
                    if hash.isKeyed { try hash.setKey(SpeedMeasurement.key(count: hash.keySizes?.first ?? 32)) }
                    transforms.append((name, hash))
                } catch {
                    if engine != .all { Console.error("\(name) (\(preference.rawValue)): \(error)"); throw ExitCode(1) }
                    Console.error("skipping \(name) on the \(preference.rawValue) engine: \(error)")
                }
            }
        }
        guard !transforms.isEmpty else { Console.error("nothing to measure"); throw ExitCode(1) }
        var samples: [String: [SpeedSample]] = [:]
        var order: [String] = []
        for _ in 0..<`repeat` {
            for (name, hash) in transforms {
                for size in sizes.values {
                    for n in inflight.values {
                        let id = "\(hash.engine)|\(name)|\(n == 1 ? "sync" : "request")|\(size)|\(n)"
                        let sample = n == 1
                            ? try HashSpeed.sync(hash, size: size, seconds: seconds)
                            : try HashSpeed.requests(hash, size: size, inflight: n, seconds: seconds)
                        if samples[id] == nil { order.append(id) }
                        samples[id, default: []].append(sample)
                    }
                }
            }
        }
        let drivers = Dictionary(transforms.map { ("\($0.1.engine)|\($0.0)", $0.1.driver) }) { a, _ in a }
        let cells = order.map { id -> SpeedCell in
            let p = id.split(separator: "|").map(String.init)
            return SpeedCell(engine: p[0], algorithm: p[1], driver: drivers["\(p[0])|\(p[1])"] ?? "?",
                             api: SpeedAPI(rawValue: p[2])!, size: Int(p[3])!, inflight: Int(p[4])!,
                             samples: samples[id]!)
        }
        for (_, hash) in transforms { hash.release() }
        switch format {
        case .csv: try Console.print(([SpeedCell.csvHeader] + cells.map(\.csvLine)).joined(separator: "\n"))
        case .json: try Console.printJSON(SpeedReport(secondsPerCell: seconds, repeats: `repeat`, results: cells))
        case .text: try Console.print(Self.render(cells))
        }
    }
}

/// Time loops over the public `HashTransform` API, batched as `SpeedMeasurement`'s.
enum HashSpeed {
    /// `digest(_:into:)` on reused, page-aligned buffers, the clock read once per (growing) batch.
    static func sync(_ hash: HashTransform, size: Int, seconds: Double) throws -> SpeedSample {
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: SpeedMeasurement.pageAlignment)
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: hash.digestSize, alignment: 16)
        defer { input.deallocate(); output.deallocate() }
        for i in 0..<input.count { input[i] = UInt8(truncatingIfNeeded: i) }
        let src = UnsafeRawBufferPointer(rebasing: input[0..<size])
        for _ in 0..<3 { try hash.digest(src, into: output) }
        var batch = 1, done = 0
        let start = SpeedMeasurement.now(), target = seconds / 64
        var t = start
        while t - start < seconds {
            let b0 = t
            for _ in 0..<batch { try hash.digest(src, into: output) }
            done += batch
            t = SpeedMeasurement.now()
            if t - b0 < target && batch < 1 << 24 { batch *= 2 }
        }
        return SpeedSample(messages: done, seconds: t - start)
    }

    /// `inflight` `HashRequest` chains over caller memory; each completion resubmits until time is up.
    static func requests(_ hash: HashTransform, size: Int, inflight: Int, seconds: Double) throws -> SpeedSample {
        let run = RequestRun(inflight: inflight)
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: SpeedMeasurement.pageAlignment)
        defer { input.deallocate() }
        input.initializeMemory(as: UInt8.self, repeating: 0x5a)
        let completion: HashRequest<Int>.Completion = { request, result in
            if case .failure(let error) = result { run.fail(error); return }
            run.completed.add(1, ordering: .relaxed)
            if run.stop.load(ordering: .relaxed) { run.chainEnded(); return }
            do throws(KernelCipherError) { try request.submit() } catch { run.fail(error) }
        }
        let start = SpeedMeasurement.now()
        for i in 0..<inflight {
            let request = HashRequest(
                transform: hash, input: UnsafeRawBufferPointer(rebasing: input[0..<size]), context: i,
                completion: completion)
            do throws(KernelCipherError) { try request.submit() } catch { run.fail(error) }
        }
        usleep(UInt32(seconds * 1e6))
        run.stop.store(true, ordering: .relaxed)
        run.done.wait()
        let elapsed = SpeedMeasurement.now() - start
        if let error = run.error.withLock({ $0 }) { throw error }
        return SpeedSample(messages: run.completed.load(ordering: .relaxed), seconds: elapsed)
    }
}
