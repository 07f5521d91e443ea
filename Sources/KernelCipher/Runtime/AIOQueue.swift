#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// The AIO completion mode of a kernel engine's requests (a `RequestQueue` the engine supplies), for any AF_ALG
/// family: what is sent and read for a request is its `Driver`'s business (the cipher family's
/// `KernelCipherAIODriver`), the queue keeps the lifecycle. Each in-flight request owns one slot (an op socket,
/// held by an `AIOSlot` with the driver's per-request state): the submitting thread sends what the driver asks
/// (`sendmsg`) and queues the read with `io_submit` (IOCB_CMD_PREAD, IOCB_FLAG_RESFD → eventfd), then returns. One completion thread waits on the eventfd, reaps every finished read
/// with `io_getevents` in batches, continues multi-round requests, calls the completions, and starts backlogged
/// requests on the freed op sockets — so a busy transform costs no extra thread hop per request.
/// Where `io_submit` is refused for a read, that read is done with a blocking `read` instead.
final class AIOQueue<Driver: AIORequestDriver>: RequestQueue, @unchecked Sendable {
    typealias Work = Driver.Work
    typealias Output = Driver.Output
    typealias QueuedJob = Job<Work, Output>

    /// One slot (op socket) and the request it is running; touched only by the thread that owns the request,
    /// except `slot` and `isFinishing`, which change under the queue's lock (see `finish` and `flushIdle`).
    final class AIOSlot {
        /// The op socket; nil once a re-key or a failure closed it (the AIO slot is then never reused).
        var slot: Driver.Slot?
        /// Its request's kernel work is done and its completion is running.
        var isFinishing = false
        var job: QueuedJob?
        /// The family's progress through the request on this op socket.
        var request: Driver
        var block = iocb()
        init(slot: Driver.Slot, request: Driver) { self.slot = slot; self.request = request }
    }

    /// What `submit` does with a job: run it on an idle AIO slot, open one, or leave it queued.
    private enum Plan { case run(AIOSlot), create, queued(RequestStatus) }
    /// What `next(after:)` does: run a backlogged job on this AIO slot, on a new one, or stop.
    private enum Step { case run(QueuedJob), replace(QueuedJob), stop(wake: Bool) }

    private struct State {
        /// AIO slots with an open op socket.
        var all: [AIOSlot] = []
        var idle: [AIOSlot] = []
        /// AIO slots in `all` whose completion is running (`isFinishing`).
        var finishing = 0
        var reserved = 0
        var backlog = JobFIFO()
        var released = false
        /// Op sockets with kernel work (a request being sent or read) or being created. Running completions do not
        /// count: release waits for the kernel, not for a completion (which may be the one releasing).
        var busy: Int { all.count + reserved - idle.count - finishing }
    }

    /// Opens a new op socket (the engine's `accept(2)`).
    private let makeSlot: @Sendable () throws(KernelCipherError) -> Driver.Slot
    /// The driver each new AIO slot starts from (a copy).
    private let driver: Driver
    private let maxInFlight: Int
    private let backlogLimit: Int
    private let lock = ConditionLock(State())
    /// The AIO context and the eventfd, owned: destroyed and closed in `deinit`, after the completion thread (which
    /// holds a reference) has exited, so no call can use them after close.
    private let context: aio_context_t
    private let eventFD: CInt
    private var thread: pthread_t?

    /// An AIO context (`io_setup`) for `maxInFlight` requests, an eventfd and the completion thread; `makeSlot`
    /// opens an op socket when a request needs one, and each op socket's requests run through a copy of `driver`.
    init(
        maxInFlight: Int, backlogLimit: Int, driver: Driver,
        makeSlot: @escaping @Sendable () throws(KernelCipherError) -> Driver.Slot
    ) throws(KernelCipherError) {
        self.makeSlot = makeSlot
        self.driver = driver
        self.maxInFlight = max(1, maxInFlight)
        self.backlogLimit = backlogLimit
        var ctx = aio_context_t()
        guard ckcapi_io_setup(UInt32(self.maxInFlight), &ctx) == 0 else {
            throw .kernel(operation: "io_setup", errno: .current)
        }
        let efd = eventfd(0, Int32(EFD_CLOEXEC))
        guard efd >= 0 else {
            let error = Errno.current
            _ = ckcapi_io_destroy(ctx)
            throw .kernel(operation: "eventfd", errno: error)
        }
        context = ctx
        eventFD = efd
        thread = startThread { [self] in completionLoop() }
    }

    deinit {
        _ = ckcapi_io_destroy(context)
        close(eventFD)
    }

    /// Queues a validated job: starts it on a free op socket now, or backlogs it (with `mayBacklog`, always:
    /// past `backlogLimit` it is reported `.backlogged`, never refused), or throws `.busy` (without `mayBacklog`).
    @discardableResult
    func submit(_ job: consuming QueuedJob, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        let plan = try lock.withLock { (s: inout State) throws(KernelCipherError) -> Plan in
            if s.released { throw .transformReleased }
            if let aioSlot = s.idle.popLast() { return .run(aioSlot) }
            if s.all.count + s.reserved < maxInFlight { s.reserved += 1; return .create }
            guard mayBacklog else { throw .busy }
            let status: RequestStatus = s.backlog.count >= backlogLimit ? .backlogged : .inProgress
            guard job.markQueued() else { return .queued(status) }
            s.backlog.append(job)
            return .queued(status)
        }
        let aioSlot: AIOSlot
        switch plan {
        case .queued(let status): return status
        case .run(let reused): aioSlot = reused
        case .create: aioSlot = try makeAIOSlot()
        }
        guard job.markQueued() else { next(after: aioSlot).map { run($0.0, $0.1) }; return .inProgress }
        run(aioSlot, job)
        return .inProgress
    }

    /// An AIO slot on a new op socket, for a place reserved in `State.reserved` (given back if `accept` fails).
    private func makeAIOSlot() throws(KernelCipherError) -> AIOSlot {
        do {
            let slot = try makeSlot()
            let aioSlot = AIOSlot(slot: slot, request: driver)
            lock.withLock { s in s.reserved -= 1; s.all.append(aioSlot) }
            return aioSlot
        } catch {
            let released = lock.withLock { s in s.reserved -= 1; return s.released }
            if released { wakeReleaser() }
            throw error
        }
    }

    /// Runs `job` and any backlogged successors until one is queued in the kernel or none is left.
    private func run(_ aioSlot: AIOSlot, _ first: QueuedJob) {
        var next: (AIOSlot, QueuedJob)? = (aioSlot, first)
        while let (aioSlot, job) = next {
            if lock.withLock({ $0.released }) {
                job.abandon(.transformReleased)
                next = self.next(after: aioSlot)
                continue
            }
            guard job.start() else { next = self.next(after: aioSlot); continue }
            guard let slot = aioSlot.slot else { preconditionFailure("an AIO slot taking a job has its op socket") }
            aioSlot.job = job
            aioSlot.request.begin(job.work, on: slot)
            if drive(aioSlot, result: nil) { return }
            next = finish(aioSlot)
        }
    }

    /// Advances an AIO slot with the last read's result (nil when starting); true when a read is queued in the
    /// kernel, false when its request is over (its driver's `finish` says how).
    private func drive(_ aioSlot: AIOSlot, result: Int?) -> Bool {
        guard let slot = aioSlot.slot, let job = aioSlot.job else {
            preconditionFailure("an AIO slot with kernel work has its op socket and job")
        }
        var result = result
        while true {
            // One buffer (IOCB_CMD_PREAD: aio_buf, aio_nbytes) or a vector (IOCB_CMD_PREADV: the iovec array, its count).
            let opcode: Int, address: UnsafeMutableRawPointer?, count: Int
            switch aioSlot.request.advance(job.work, on: slot, after: result) {
            case .finished: return false
            case .read(let target): (opcode, address, count) = (IOCB_CMD_PREAD, target.baseAddress, target.count)
            case .readVector(let parts):
                (opcode, address, count) = (IOCB_CMD_PREADV, UnsafeMutableRawPointer(parts.baseAddress), parts.count)
            }
            aioSlot.block = iocb()
            aioSlot.block.aio_data = UInt64(UInt(bitPattern: Unmanaged.passUnretained(aioSlot).toOpaque()))
            aioSlot.block.aio_lio_opcode = UInt16(opcode)
            aioSlot.block.aio_fildes = UInt32(slot.descriptor)
            aioSlot.block.aio_buf = UInt64(UInt(bitPattern: address))
            aioSlot.block.aio_nbytes = UInt64(count)
            aioSlot.block.aio_flags = UInt32(IOCB_FLAG_RESFD)
            aioSlot.block.aio_resfd = UInt32(eventFD)
            let submitted = withUnsafeMutablePointer(to: &aioSlot.block) { block -> Int in
                var list: UnsafeMutablePointer<iocb>? = block
                return ckcapi_io_submit(context, 1, &list)
            }
            if submitted == 1 { return true }
            // io_submit refused (e.g. a kernel without socket AIO; nothing was queued): read synchronously instead.
            if opcode == IOCB_CMD_PREADV {
                let descriptor = slot.descriptor
                let parts = address?.assumingMemoryBound(to: iovec.self)
                switch valueOrErrno(retryOnInterrupt: true, { readv(descriptor, parts, Int32(count)) }) {
                case .success(let n): result = n
                case .failure(let error): result = -Int(error.rawValue)
                }
            } else {
                do throws(Errno) { result = try slot.receive(into: UnsafeMutableRawBufferPointer(start: address, count: count)) }
                catch { result = -Int(error.rawValue) }
            }
        }
    }

    /// Delivers the finished AIO slot's result, then returns the next backlogged job and the AIO slot to run it on.
    ///
    /// Before the completion runs, the op socket's kernel work is over: a failed request's socket is closed now
    /// (it may hold the request's queued data), a good one is marked finishing, so a re-key may close it and a
    /// release need not wait for it while the completion runs. The completion still runs before its op socket
    /// takes the next request, as a worker thread does in the threads mode.
    private func finish(_ aioSlot: AIOSlot) -> (AIOSlot, QueuedJob)? {
        guard let job = aioSlot.job else { return next(after: aioSlot) }
        let result = aioSlot.request.finish(job.work)
        aioSlot.job = nil
        let failed: Bool
        if case .failure = result { failed = true } else { failed = false }
        let (closing, wake) = lock.withLock { s -> (Driver.Slot?, Bool) in
            if failed {
                s.all.removeAll { $0 === aioSlot }
                defer { aioSlot.slot = nil }
                return (aioSlot.slot, s.released)
            }
            aioSlot.isFinishing = true
            s.finishing += 1
            return (nil, s.released)
        }
        _ = consume closing  // a failed op socket closes here, outside the lock
        if wake { wakeReleaser() }
        job.finish(result)
        return next(after: aioSlot)
    }

    /// The next backlogged job and the AIO slot to run it on: this AIO slot, or a new one when its op socket was closed
    /// meanwhile. Nil after idling (or, when released or closed, dropping) the AIO slot.
    private func next(after aioSlot: AIOSlot) -> (AIOSlot, QueuedJob)? {
        while true {
            let step = lock.withLock { s -> Step in
                if aioSlot.isFinishing { aioSlot.isFinishing = false; s.finishing -= 1 }
                let open = aioSlot.slot != nil
                if s.released || s.backlog.isEmpty {
                    if open && !s.released { s.idle.append(aioSlot) } else { s.all.removeAll { $0 === aioSlot } }
                    return .stop(wake: s.released)
                }
                if open { return .run(unsafeDowncast(s.backlog.popFirst()!, to: QueuedJob.self)) }
                s.reserved += 1
                return .replace(unsafeDowncast(s.backlog.popFirst()!, to: QueuedJob.self))
            }
            switch step {
            case .stop(let wake):
                if wake { wakeReleaser() }
                return nil
            case .run(let job):
                return (aioSlot, job)
            case .replace(let job):
                do throws(KernelCipherError) {
                    return (try makeAIOSlot(), job)
                } catch {
                    job.abandon(error)  // and try the next backlogged job, so none is left without an AIO slot
                }
            }
        }
    }

    private func completionLoop() {
        var events = [io_event](repeating: io_event(), count: 64)
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        while true {
            var counter: UInt64 = 0
            if case .failure(let error) = valueOrErrno(retryOnInterrupt: true, { read(eventFD, &counter, 8) }) {
                // Only EBADF/EFAULT/EINVAL are possible: a programming error (swift-nio treats them alike).
                preconditionFailure("read(eventfd) failed: \(error)")
            }
            while true {
                let reaping = events.withUnsafeMutableBufferPointer { events in
                    valueOrErrno(retryOnInterrupt: true) {
                        ckcapi_io_getevents(context, 0, events.count, events.baseAddress, &zero)
                    }
                }
                guard case .success(let reaped) = reaping else { preconditionFailure("io_getevents failed: \(reaping)") }
                if reaped == 0 { break }
                for event in events[0..<reaped] {
                    let raw = UnsafeRawPointer(bitPattern: UInt(event.data))!
                    let aioSlot = Unmanaged<AIOSlot>.fromOpaque(raw).takeUnretainedValue()
                    if drive(aioSlot, result: Int(event.res)) { continue }
                    if let (next, job) = finish(aioSlot) { run(next, job) }
                }
            }
            if lock.withLock({ $0.released && $0.busy == 0 }) { break }
        }
        lock.withLock { s in s.idle.removeAll(); s.all.removeAll() }
    }

    /// After release, an op socket's kernel work ended: wakes `release()` (waiting for `busy == 0`) and the
    /// completion thread (which exits at `busy == 0`; this may be the last AIO slot, on a submitting thread).
    private func wakeReleaser() {
        lock.broadcast()
        signalEventFD()
    }

    /// `write(eventfd, 1)`: wakes the completion thread.
    private func signalEventFD() {
        var one: UInt64 = 1
        if case .failure(let error) = valueOrErrno(retryOnInterrupt: true, { write(eventFD, &one, 8) }) {
            preconditionFailure("write(eventfd) failed: \(error)")
        }
    }

    /// Closes the op sockets without kernel work: idle ones, and those whose completion is still running (the
    /// kernel refuses ALG_SET_KEY with EBUSY while op sockets exist). Called before a re-key.
    func flushIdle() {
        let closing = lock.withLock { s -> [Driver.Slot] in
            var closing = s.idle.compactMap { $0.slot }
            for aioSlot in s.idle { aioSlot.slot = nil }
            s.idle.removeAll()
            for aioSlot in s.all where aioSlot.isFinishing {
                if let slot = aioSlot.slot { closing.append(slot) }
                aioSlot.slot = nil
                aioSlot.isFinishing = false
                s.finishing -= 1
            }
            s.all.removeAll { $0.slot == nil }
            return closing
        }
        _ = consume closing  // the op sockets close here, outside the lock
    }

    /// Fails backlogged jobs with `.transformReleased`, waits until no op socket has kernel work (completions
    /// that are running, perhaps the caller's own, are not waited for), stops the completion thread.
    func release() {
        let abandoned = lock.withLock { s -> [AnyJob]? in
            if s.released { return nil }
            s.released = true
            return s.backlog.removeAll()
        }
        guard let abandoned else { return }
        for job in abandoned { job.abandon(.transformReleased) }
        let onCompletionThread = thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        if !onCompletionThread {
            lock.withLock(waitingUntil: { $0.busy == 0 }) { _ in }
        }
        signalEventFD()
        if let thread {
            if onCompletionThread { pthread_detach(thread) } else { pthread_join(thread, nil) }
        }
    }
}
