/// Where accepted requests of one transform wait and run until their completion is called: worker threads
/// (`WorkerQueue`) or a completion queue the engine supplies (the kernel engine's AIO queue).
protocol RequestQueue<Work, Output>: AnyObject, Sendable {
    /// What one request does (the cipher family: operation, IV and buffers).
    associatedtype Work: Sendable
    /// What one request returns (the cipher family: the output bytes).
    associatedtype Output: Sendable

    /// Queues a validated job; `.backlogged` when it was accepted beyond the backlog limit (`mayBacklog` only),
    /// `.busy` without `mayBacklog` when every slot is taken.
    func submit(_ job: consuming Job<Work, Output>, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus
    /// Closes the idle slots the queue holds itself (before a re-key).
    func flushIdle()
    /// Fails queued jobs with `.transformReleased`, waits for running ones, stops the threads.
    func release()
}
