#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// A worker thread's own state, found through `current`: which `WorkerThreads` it serves, and the jobs its
/// completions kept on it (`keep`), which it runs itself unless an idle worker steals them (`steal`).
///
/// Requests that chain through completions stay on one CPU and touch no lock or atomic another CPU writes while no
/// worker idles. `hasWaiting` and `exposed` are what idle workers read to find work to steal; `kept` is what
/// submitters read to count kept jobs in flight.
final class WorkerContext: @unchecked Sendable {
    let owner: ObjectIdentifier
    /// The oldest kept job, when there is one: a chain of requests on this worker passes through here, one atomic
    /// store and one exchange per request, without a lock. Filled only while `overflow` is empty, so it is always
    /// older than the jobs there.
    private let next = Atomic<Unmanaged<AnyJob>?>(nil)
    /// Kept jobs beyond `next`, oldest first.
    private let overflow = LockedValue(JobFIFO())
    /// How many jobs wait in `overflow` (written under its lock).
    private let overflowCount = Atomic<Int>(0)
    /// Whether the jobs waiting here wait behind a job started after they were kept, so behind something other
    /// than the completion that kept them: only then may another worker steal them. Set when a job starts, with
    /// sequentially consistent ordering, the counterpart of `WorkerThreads.idle` (see `WorkerThreads.starting`).
    let exposed = Atomic<Bool>(false)
    /// Kept jobs this worker accounts for in flight: waiting here, or running on it (its own or stolen ones).
    let kept = Atomic<Int>(0)
    /// Whether the job running now may still keep one (the first its completion submits). This thread only, so
    /// without the dynamic exclusivity check a class property otherwise costs on every access.
    @exclusivity(unchecked) var mayKeep = false
    /// Keeps the fields above off the cache line of whatever the allocator puts next.
    private let padding: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

    init(owner: ObjectIdentifier) { self.owner = owner }

    deinit { next.exchange(nil, ordering: .acquiring)?.release() }

    /// Whether kept jobs wait here.
    var hasWaiting: Bool { next.load(ordering: .acquiring) != nil || overflowCount.load(ordering: .relaxed) > 0 }

    /// Keeps a job on this worker, behind the ones it keeps already. This thread only.
    func keep(_ job: Unmanaged<AnyJob>) {
        mayKeep = false
        kept.add(1, ordering: .relaxed)
        // Only this thread fills `next` or `overflow`; a thief may empty them meanwhile, which keeps the order.
        if overflowCount.load(ordering: .relaxed) == 0 && next.load(ordering: .relaxed) == nil {
            next.store(job, ordering: .releasing)
        } else {
            overflow.withLock { fifo in
                fifo.append(job.takeRetainedValue())
                overflowCount.store(fifo.count, ordering: .relaxed)
            }
        }
    }

    /// The oldest kept job, taken by this worker (or by a thief, `steal`).
    func takeKept() -> AnyJob? {
        if let job = next.exchange(nil, ordering: .acquiring) { return job.takeRetainedValue() }
        guard overflowCount.load(ordering: .relaxed) > 0 else { return nil }
        return overflow.withLock { fifo in
            let job = fifo.popFirst()
            overflowCount.store(fifo.count, ordering: .relaxed)
            return job
        }
    }

    /// The oldest kept job, if it waits behind another job (`exposed`), moved to `thief`'s account.
    func steal(into thief: WorkerContext) -> AnyJob? {
        guard stealable, let job = takeKept() else { return nil }
        kept.subtract(1, ordering: .relaxed)
        thief.kept.add(1, ordering: .relaxed)
        return job
    }

    /// Whether another worker may steal from this one now.
    var stealable: Bool { exposed.load(ordering: .sequentiallyConsistent) && hasWaiting }

    /// A kept job this worker accounted for ended.
    func finishedKept() { kept.subtract(1, ordering: .relaxed) }

    /// Fails every job waiting here with `.transformReleased` (release).
    func abandonKept() {
        while let job = takeKept() {
            job.abandon(.transformReleased)
            finishedKept()
        }
    }

    /// Makes this the calling thread's context (`pthread_setspecific`), or clears it.
    func setCurrent(_ on: Bool) {
        pthread_setspecific(currentWorkerContext, on ? Unmanaged.passUnretained(self).toOpaque() : nil)
    }

    /// The calling thread's context, if it is a worker (`pthread_getspecific`), unretained: the worker thread owns it
    /// for as long as it runs, and a submission from a completion costs no retain and release of it.
    static var current: Unmanaged<WorkerContext>? {
        pthread_getspecific(currentWorkerContext).map { Unmanaged<WorkerContext>.fromOpaque($0) }
    }
}

/// The calling worker thread's `WorkerContext` (unretained; nil on other threads): one process-wide key
/// (`pthread_key_create`), as keys are few and transforms many.
private let currentWorkerContext: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "pthread_key_create failed")
    return key
}()

/// The contexts of a `WorkerThreads`' started workers, in start order: written once each, under the queue's lock,
/// and published through `count`, so idle workers read them without the lock.
final class WorkerContexts: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<WorkerContext?>
    private let capacity: Int
    private let published = Atomic<Int>(0)

    init(capacity: Int) {
        self.capacity = capacity
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
    }

    deinit {
        slots.deinitialize(count: capacity)
        slots.deallocate()
    }

    /// How many workers started.
    var count: Int { published.load(ordering: .relaxed) }

    /// Adds a started worker's context (callers serialize: the queue's lock).
    func append(_ context: WorkerContext) {
        let index = published.load(ordering: .relaxed)
        precondition(index < capacity, "more workers than maxInFlight")
        slots[index] = context
        published.store(index + 1, ordering: .releasing)
    }

    /// The first kept job found waiting behind another job on some worker other than `thief`, moved to its account,
    /// with the worker that kept it.
    func steal(into thief: WorkerContext) -> AnyJob? {
        let count = published.load(ordering: .acquiring)
        var index = 0
        while index < count {
            if let victim = slots[index], victim !== thief, let job = victim.steal(into: thief) { return job }
            index += 1
        }
        return nil
    }

    /// Whether any worker has a kept job another may steal.
    var anyStealable: Bool {
        let count = published.load(ordering: .acquiring)
        var index = 0
        while index < count {
            if slots[index]?.stealable == true { return true }
            index += 1
        }
        return false
    }

    /// Kept jobs in flight, and how many workers are busy with them.
    func keptInFlight() -> (jobs: Int, workers: Int) {
        let count = published.load(ordering: .acquiring)
        var jobs = 0, workers = 0, index = 0
        while index < count {
            let n = slots[index]?.kept.load(ordering: .relaxed) ?? 0
            jobs += n
            if n > 0 { workers += 1 }
            index += 1
        }
        return (jobs, workers)
    }
}
