/// A request in flight: what to run (`work`, the family's payload) and the exactly-once completion state machine
/// delivering an `Output` (the cipher family's `Job<CipherWork, [UInt8]>`: operation, IV and buffers → bytes).
/// created → queued → running → finished, or → finished early by cancellation or release.
final class Job<Work: Sendable, Output: Sendable>: Sendable {
    typealias Completion = @Sendable (Result<Output, KernelCipherError>) -> Void

    enum Phase { case created, queued, running, finished }
    private struct State { var phase = Phase.created; var completion: Completion? }

    /// What the request does, read by the thread that runs it.
    let work: Work
    private let state = LockedValue(State())

    init(_ work: Work, completion: Completion?) {
        self.work = work
        state.withLock { $0.completion = completion }
    }

    /// Installs the completion; false (and the completion gets `.cancelled`) if the job was already cancelled.
    func install(_ completion: @escaping Completion) -> Bool {
        let cancelled = state.withLock { s -> Bool in
            if s.phase == .finished { return true }
            s.completion = completion
            return false
        }
        if cancelled { completion(.failure(.cancelled)) }
        return !cancelled
    }

    /// Marks the job queued; false if it was cancelled meanwhile.
    func markQueued() -> Bool {
        state.withLock { s in
            guard s.phase == .created else { return false }
            s.phase = .queued
            return true
        }
    }

    /// Claims the job for execution; false if cancelled or released before it started.
    func start() -> Bool {
        state.withLock { s in
            guard s.phase == .queued || s.phase == .created else { return false }
            s.phase = .running
            return true
        }
    }

    /// Finishes a job that has not started with `error` (cancellation, release); no-op otherwise.
    func abandon(_ error: KernelCipherError) {
        let completion = state.withLock { s -> Completion? in
            guard s.phase == .created || s.phase == .queued else { return nil }
            s.phase = .finished
            defer { s.completion = nil }
            return s.completion ?? { _ in }
        }
        completion?(.failure(error))
    }

    /// Delivers the result of a job that ran; called once by the thread that started it.
    func finish(_ result: Result<Output, KernelCipherError>) {
        let completion = state.withLock { s -> Completion? in
            s.phase = .finished
            defer { s.completion = nil }
            return s.completion
        }
        completion?(result)
    }
}
