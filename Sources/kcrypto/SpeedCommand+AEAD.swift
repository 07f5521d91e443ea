#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import KernelCipher
import Synchronization

/// `kcrypto speed` rows for AEAD ciphers (`-c 'gcm(aes)'`, `-c 'rfc7539(chacha20,poly1305)'`): encryption with
/// empty associated data and the algorithm's largest tag, in the same cells and CSV columns as the skciphers.
/// `size` is the plaintext; MB/s counts plaintext bytes.
extension Kcrypto.Speed {
    /// Measures every AEAD name on every engine: inflight 1 with the synchronous `encrypt`, N with N `AEADRequest`
    /// chains; `--async` rows with N tasks awaiting `encrypt`. Engines that cannot serve a name are skipped with a
    /// note under `--engine all`, an error otherwise.
    func measureAEAD(_ names: [String], engines: [EnginePreference]) async throws -> [SpeedCell] {
        var cells: [SpeedCell] = []
        for preference in engines {
            for name in names {
                let tfm: AEADTransform
                do {
                    tfm = try AEADTransform(name, engine: preference)
                    try tfm.setKey(SpeedMeasurement.key(count: tfm.keySizes.first ?? 16))
                } catch {
                    if engine != .all { Console.error("\(name) (\(preference.rawValue)): \(error)"); throw ExitCode(1) }
                    Console.error("skipping \(name) on the \(preference.rawValue) engine: \(error)")
                    continue
                }
                defer { tfm.release() }
                var plans: [(SpeedAPI, Int)] = inflight.values.map { $0 == 1 ? (.sync, 1) : (.request, $0) }
                if async { plans += inflight.values.map { (.async, $0) } }
                for size in sizes.values {
                    for (api, n) in plans {
                        var samples: [SpeedSample] = []
                        do {
                            for _ in 0..<`repeat` {
                                samples.append(try await Self.measureAEAD(tfm, api: api, size: size, inflight: n, seconds: seconds))
                            }
                        } catch {
                            Console.error("skipping \(name) \(tfm.engine) \(api.rawValue) size \(size): \(error)")
                            continue
                        }
                        cells.append(SpeedCell(engine: tfm.engine.rawValue, algorithm: name, driver: tfm.driver, api: api,
                                               size: size, inflight: n, samples: samples))
                    }
                }
            }
        }
        return cells
    }

    /// One timed period of AEAD encryptions of `size` bytes.
    static func measureAEAD(_ tfm: AEADTransform, api: SpeedAPI, size: Int, inflight: Int, seconds: Double)
        async throws -> SpeedSample
    {
        let input = [UInt8](repeating: 0x5a, count: size)
        let iv = SpeedMeasurement.iv(count: tfm.ivSize)
        switch api {
        case .sync:
            return try syncAEAD(tfm, input: input, iv: iv, seconds: seconds)
        case .request:
            let done = Atomic<Int>(0), live = Atomic<Int>(inflight), failed = Atomic<Int>(0)
            let start = SpeedMeasurement.now()
            let deadline = start + seconds
            @Sendable func submit(_ request: AEADRequest<Int>) {
                do { try request.encrypt() } catch {
                    failed.add(1, ordering: .relaxed)
                    live.subtract(1, ordering: .releasing)
                }
            }
            let completion: AEADRequest<Int>.Completion = { request, result in
                if case .failure = result { failed.add(1, ordering: .relaxed) }
                done.add(1, ordering: .relaxed)
                if case .success = result, SpeedMeasurement.now() < deadline { submit(request) } else {
                    live.subtract(1, ordering: .releasing)
                }
            }
            for i in 0..<inflight {
                submit(AEADRequest(transform: tfm, input: input, iv: iv, context: i, completion: completion))
            }
            while live.load(ordering: .acquiring) > 0 { usleep(200) }
            let elapsed = SpeedMeasurement.now() - start
            if failed.load(ordering: .relaxed) > 0 { throw KernelCipherError.busy }
            return SpeedSample(messages: done.load(ordering: .relaxed), seconds: elapsed)
        case .async:
            let start = SpeedMeasurement.now()
            let deadline = start + seconds
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<inflight {
                    group.addTask {
                        var n = 0
                        while SpeedMeasurement.now() < deadline { _ = try await tfm.encrypt(input, iv: iv); n += 1 }
                        return n
                    }
                }
                return try await group.reduce(0, +)
            }
            return SpeedSample(messages: total, seconds: SpeedMeasurement.now() - start)
        }
    }

    /// inflight 1: the synchronous caller-buffer `encrypt(_:into:iv:)` on the calling thread (no allocation, as
    /// the C loops write into one buffer).
    static func syncAEAD(_ tfm: AEADTransform, input: [UInt8], iv: [UInt8], seconds: Double) throws -> SpeedSample {
        var output = [UInt8](repeating: 0, count: input.count + tfm.tagSize)
        return try input.withUnsafeBytes { input in
            try iv.withUnsafeBytes { iv in
                try output.withUnsafeMutableBytes { output in
                    for _ in 0..<3 { _ = try tfm.encrypt(input, into: output, iv: iv) }
                    var done = 0
                    let start = SpeedMeasurement.now()
                    var t = start
                    while t - start < seconds {
                        for _ in 0..<16 { _ = try tfm.encrypt(input, into: output, iv: iv) }
                        done += 16
                        t = SpeedMeasurement.now()
                    }
                    return SpeedSample(messages: done, seconds: t - start)
                }
            }
        }
    }
}
