/// A first-in first-out queue of jobs with amortized O(1) removal from the front (a consumed prefix is dropped
/// once it is over half the storage), for request backlogs that may grow without a bound under `.mayBacklog`.
/// Holds `AnyJob`s: not generic, so queueing costs no metadata lookup (callers downcast what they pop).
struct JobFIFO {
    private var storage: [AnyJob] = []
    private var head = 0

    /// Jobs waiting.
    var count: Int { storage.count - head }
    /// True when no job waits.
    var isEmpty: Bool { head == storage.count }

    /// Adds a job at the back.
    mutating func append(_ job: AnyJob) { storage.append(job) }

    /// Removes and returns the front job, or nil when empty.
    mutating func popFirst() -> AnyJob? {
        guard head < storage.count else { return nil }
        let job = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 64 && head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return job
    }

    /// Removes and returns every waiting job, front first.
    mutating func removeAll() -> [AnyJob] {
        defer { storage.removeAll(); head = 0 }
        return Array(storage[head...])
    }
}
