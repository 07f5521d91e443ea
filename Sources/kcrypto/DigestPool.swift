#if canImport(Glibc)
import Glibc
#endif
import Synchronization
@_spi(Platform) import KernelCipher

/// The regular files of a `dgst` run hashed on up to `width` threads at once, each file read in 1 MiB chunks into a
/// hash context of its own. Threads start only once two files wait (one file is hashed on the calling thread, as
/// before); chunk buffers are shared through a free list, so at most `width` exist. Results are collected by
/// ticket. Used from one owner thread (the command's); the workers only run jobs.
final class DigestPool: @unchecked Sendable {
    /// A file's digest or the errno of its failed read; a failure of the hash itself is the error.
    typealias Outcome = Result<Result<[UInt8], Errno>, CipherCommandError>

    /// A queued file: its ticket and its descriptor (owned by the job until a worker adopts it).
    private struct Job {
        let ticket: Int
        let fd: CInt
    }

    /// Everything the owner and the workers share, guarded by `mutex`.
    private struct State {
        var queue: [Job] = []
        var queueHead = 0
        var finished: [Int: Outcome] = [:]
        /// Jobs submitted whose outcome is not in `finished` yet (queued or running).
        var unfinished = 0
        var spareBuffers: [UnsafeMutableRawBufferPointer] = []
        var bufferCount = 0
        var stopping = false
    }

    let hash: HashTransform
    /// Files hashed at once (worker threads at most; chunk buffers at most).
    let width: Int
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let workReady = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let jobDone = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Guarded by `mutex`.
    private var state = State()
    /// Set at shutdown: running digests stop after their current chunk.
    private let cancelled = Atomic<Bool>(false)
    /// Owner thread only.
    private var threads: [pthread_t] = []
    private var nextTicket = 0

    /// A pool hashing with `hash` (keyed already), `width` ≥ 2 files at once.
    init(hash: HashTransform, width: Int) {
        precondition(width >= 2, "a pool of one is the sequential path")
        self.hash = hash
        self.width = width
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(workReady, nil)
        pthread_cond_init(jobDone, nil)
    }

    deinit {
        for buffer in state.spareBuffers { buffer.deallocate() }
        pthread_cond_destroy(jobDone)
        pthread_cond_destroy(workReady)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        workReady.deallocate()
        jobDone.deallocate()
    }

    private func locked<R>(_ body: (inout State) -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state)
    }

    /// Queues the open regular file `file` (the pool closes it) and returns its ticket; starts worker threads
    /// once two files are unfinished. Call `waitForRoom()` first to keep at most `width` files open.
    func submit(_ file: consuming OwnedDescriptor) -> Int {
        let ticket = nextTicket
        nextTicket += 1
        let job = Job(ticket: ticket, fd: file.release())
        let unfinished = locked { s in
            s.queue.append(job)
            s.unfinished += 1
            return s.unfinished
        }
        pthread_cond_signal(workReady)
        if !threads.isEmpty || unfinished >= 2 {
            while threads.count < min(width, unfinished),
                  let thread = try? spawnThread({ [self] in workerLoop() }).get() {
                threads.append(thread)
            }
        }
        return ticket
    }

    /// Blocks until fewer than `width` submitted files are unfinished.
    func waitForRoom() {
        waitUntil { $0.unfinished < width }
    }

    /// The outcome of `ticket` if it is finished (collected once), else nil.
    func outcome(ifFinished ticket: Int) -> Outcome? {
        locked { $0.finished.removeValue(forKey: ticket) }
    }

    /// The outcome of `ticket`, waiting for it.
    func outcome(of ticket: Int) -> Outcome {
        waitUntil { $0.finished[ticket] != nil }
        return locked { $0.finished.removeValue(forKey: ticket)! }
    }

    /// Waits until `done` holds; with no worker thread running (one file submitted, or no thread could be
    /// started), the owner hashes the queued files itself meanwhile.
    private func waitUntil(_ done: (State) -> Bool) {
        while true {
            pthread_mutex_lock(mutex)
            while !done(state) && !(threads.isEmpty && state.queueHead < state.queue.count) {
                pthread_cond_wait(jobDone, mutex)
            }
            if done(state) {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = Self.dequeue(&state)
            pthread_mutex_unlock(mutex)
            run(job)
        }
    }

    /// Hashes `fd` (not owned: stdin, a FIFO, a device) on the calling thread; call only when nothing is
    /// unfinished, so the chunk buffer comes from the free list and no more than `width` ever exist.
    func digestHere(descriptor fd: CInt) -> Outcome {
        let buffer = takeBuffer()
        defer { returnBuffer(buffer) }
        return Result { () throws(CipherCommandError) in
            try FileDigester.digest(try makeContext(), descriptor: fd, buffer: buffer, meter: nil, cancelled: nil)
        }
    }

    /// Stops the workers (a running digest stops after its current chunk), joins them and closes the files still
    /// queued. Idempotent; the owner calls it before the transform is released.
    func shutdown() {
        cancelled.store(true, ordering: .relaxed)
        let leftover = locked { s in
            s.stopping = true
            let rest = s.queue[s.queueHead...].map(\.fd)
            s.queue.removeAll()
            s.queueHead = 0
            return rest
        }
        pthread_cond_broadcast(workReady)
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
        for fd in leftover { close(fd) }
    }

    private static func dequeue(_ s: inout State) -> Job {
        let job = s.queue[s.queueHead]
        s.queueHead += 1
        if s.queueHead == s.queue.count {
            s.queue.removeAll(keepingCapacity: true)
            s.queueHead = 0
        }
        return job
    }

    private func workerLoop() {
        while true {
            pthread_mutex_lock(mutex)
            while state.queueHead == state.queue.count && !state.stopping { pthread_cond_wait(workReady, mutex) }
            if state.stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            let job = Self.dequeue(&state)
            pthread_mutex_unlock(mutex)
            run(job)
        }
    }

    /// Hashes one queued file (closing it) and posts the outcome.
    private func run(_ job: Job) {
        let file = OwnedDescriptor(adopting: job.fd)
        let buffer = takeBuffer()
        let outcome = Result { () throws(CipherCommandError) in
            try FileDigester.digest(try makeContext(), descriptor: file.rawValue, buffer: buffer, meter: nil,
                                    cancelled: { self.cancelled.load(ordering: .relaxed) })
        }
        _ = consume file
        returnBuffer(buffer)
        locked { s in
            s.finished[job.ticket] = outcome
            s.unfinished -= 1
        }
        pthread_cond_broadcast(jobDone)
    }

    private func makeContext() throws(CipherCommandError) -> HashContext {
        do { return try hash.makeContext() } catch { throw .cipher(error) }
    }

    private func takeBuffer() -> UnsafeMutableRawBufferPointer {
        let spare = locked { (s) -> UnsafeMutableRawBufferPointer? in
            if let buffer = s.spareBuffers.popLast() { return buffer }
            s.bufferCount += 1
            return nil
        }
        return spare ?? .allocate(byteCount: FileDigester.chunkSize, alignment: 4096)
    }

    private func returnBuffer(_ buffer: UnsafeMutableRawBufferPointer) {
        locked { $0.spareBuffers.append(buffer) }
    }

    /// Chunk buffers allocated so far (never more than `width`), for tests.
    var buffersAllocated: Int { locked { $0.bufferCount } }
}
