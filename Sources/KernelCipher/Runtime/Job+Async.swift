extension Job {
    /// Awaits this validated, not yet submitted job, whose completion is not installed yet: `submit` queues it, and
    /// cancelling the task before it starts abandons it with `.cancelled` (`async` calls above the inline limit on
    /// every family). A checked continuation: a worker thread may resume it before this closure returns. The runtime
    /// orders that correctly, but ThreadSanitizer cannot see the ordering for an UnsafeContinuation resumed from a
    /// plain pthread (a 10-line program with no shared state reports the same race); the checked continuation's
    /// canary exchange makes it visible, and traps a double resume. One allocation per call.
    func result(
        submittingWith submit: @Sendable (Job<Work, Output>) throws(KernelCipherError) -> Void
    ) async throws(KernelCipherError) -> Output {
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Output, KernelCipherError>, Never>) in
                guard install({ continuation.resume(returning: $0) }) else { return }
                do throws(KernelCipherError) { try submit(self) } catch { abandon(error) }
            }
        } onCancel: {
            abandon(.cancelled)
        }
        return try result.get()
    }
}
