import Dispatch
@_spi(Platform) import KernelCipher
import Synchronization

/// The callback-request measurement of every family: `inflight` requests in flight on one transform, each
/// completion submitting its request again until the time is up (the C baseline's request loop).
///
/// Flow control is the chain itself: every chain has exactly one request outstanding, so the transform never holds
/// more than `inflight` (a `.backlogged` status only says that `inflight` exceeds the transform's backlog limit;
/// the request is accepted and completes). The measuring thread sleeps on a semaphore until the time is up or
/// every chain has ended, never polling. The first failure, of a submission or a completion, ends every chain and
/// is what the run throws, as itself.
final class SpeedRequestChain: Sendable {
    /// Messages completed, one counter per chain: a single shared counter was an atomic every completion on every
    /// worker wrote, beside `stopping` which every completion reads (the benchmark's own cache-line traffic).
    private let completed: [ChainCount]
    private let stopping = Atomic<Bool>(false)
    /// Chains still running, plus one held while the chains are being started, so that the count reaches zero
    /// exactly once: when every chain has ended after the last one started.
    private let live = Atomic<Int>(1)
    /// A pthread mutex (`LockedValue`), not `Synchronization.Mutex`: ThreadSanitizer cannot see a contended
    /// `Mutex` hand-over (FUTEX_LOCK_PI) and reported two failing chains recording their error as a race.
    private let firstError = LockedValue<KernelCipherError?>(nil)
    private let allEnded = DispatchSemaphore(value: 0)

    private init(chains: Int) { completed = (0..<chains).map { _ in ChainCount() } }

    /// One chain's completed messages, alone on its cache line.
    private final class ChainCount: Sendable {
        let value = Atomic<Int>(0)
        private let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    }

    /// Runs `inflight` chains of `size`-byte messages for `seconds`; the messages completed meanwhile (and while
    /// the last requests drain) over the wall time from the first submission until every chain has ended.
    static func run<S: SpeedSubject>(
        _ subject: S, size: Int, inflight: Int, seconds: Double
    ) throws(KernelCipherError) -> SpeedSample {
        let buffers = SpeedBuffers(count: subject.buffersPerRequest ? inflight : 1, size: size,
                                   outputCount: subject.outputCount(size: size))
        defer { buffers.deallocate() }
        let iv = SpeedMeasurement.iv(count: subject.ivSize)
        let chain = SpeedRequestChain(chains: inflight)
        let start = SpeedMeasurement.now()
        for index in 0..<inflight {
            // A completion per chain: one shared closure's context would be retained by every request on every worker.
            let count = chain.completed[index]
            let completion: @Sendable (S.Link, Result<[UInt8], KernelCipherError>) -> Void = { request, result in
                chain.finished(request, result, count: count)
            }
            if chain.stopping.load(ordering: .relaxed) { break }
            let pair = index % buffers.count
            chain.live.add(1, ordering: .relaxed)
            chain.submit(subject.request(input: buffers.input(pair), output: buffers.output(pair), iv: iv,
                                         context: index, completion: completion))
        }
        chain.chainEnded()  // the starter's hold
        if chain.allEnded.wait(timeout: .now() + seconds) == .timedOut {
            chain.stopping.store(true, ordering: .relaxed)
            chain.allEnded.wait()
        }
        let elapsed = SpeedMeasurement.now() - start
        if let error = chain.firstError.withLock({ $0 }) { throw error }
        let messages = chain.completed.reduce(0) { $0 + $1.value.load(ordering: .relaxed) }
        return SpeedSample(messages: messages, seconds: elapsed)
    }

    /// A request finished: count it and submit it again, or end its chain (time is up, or it failed).
    private func finished<Link: SpeedLink>(
        _ request: Link, _ result: Result<[UInt8], KernelCipherError>, count: ChainCount
    ) {
        if case .failure(let error) = result { return fail(error) }
        count.value.add(1, ordering: .relaxed)
        if stopping.load(ordering: .relaxed) { return chainEnded() }
        submit(request)
    }

    /// Submits `request`; a refusal ends its chain with that error.
    private func submit<Link: SpeedLink>(_ request: Link) {
        do throws(KernelCipherError) {
            _ = try request.start()
        } catch {
            fail(error)
        }
    }

    /// Records the first failure, stops every chain and ends this one.
    private func fail(_ error: KernelCipherError) {
        firstError.withLock { if $0 == nil { $0 = error } }
        stopping.store(true, ordering: .relaxed)
        chainEnded()
    }

    /// A chain stopped submitting; the last one wakes the measuring thread.
    private func chainEnded() {
        if live.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { allEnded.signal() }
    }
}
