#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
internal import CKCAPI

/// The AIO completion mode of the kernel engine. Each in-flight request owns one op socket (a "flight"): the
/// submitting thread sends the data (`sendmsg`) and queues the read with `io_submit` (IOCB_CMD_PREAD,
/// IOCB_FLAG_RESFD → eventfd), then returns. One completion thread waits on the eventfd, reaps every finished read
/// with `io_getevents` in batches, continues multi-round requests, calls the completions, and starts backlogged
/// requests on the freed op sockets — so a busy transform costs no extra thread hop per request.
/// Where `io_submit` is refused for a read, that read is done with a blocking `read` instead.
final class AIOQueue: @unchecked Sendable {
    /// One op socket and the request it is running; touched only by the thread that owns the request, except
    /// `slot` and `isFinishing`, which change under the queue's lock (see `finish` and `flushIdle`).
    final class Flight {
        /// The op socket; nil once a re-key or a failure closed it (the flight is then never reused).
        var slot: KernelSlot?
        /// Its request's kernel work is done and its completion is running.
        var isFinishing = false
        var job: Job?
        var output = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        var ownsOutput = false
        var total = 0, roundEnd = 0, produced = 0
        var control = true
        var failure: KernelCipherError?
        var block = iocb()
        init(slot: KernelSlot) { self.slot = slot }
    }

    private struct State {
        /// Flights with an open op socket.
        var all: [Flight] = []
        var idle: [Flight] = []
        /// Flights in `all` whose completion is running (`isFinishing`).
        var finishing = 0
        var reserved = 0
        var backlog = JobFIFO()
        var released = false
        /// Op sockets with kernel work (a request being sent or read) or being created. Running completions do not
        /// count: release waits for the kernel, not for a completion (which may be the one releasing).
        var busy: Int { all.count + reserved - idle.count - finishing }
    }

    private let backend: KernelBackend
    private let maxInFlight: Int
    private let backlogLimit: Int
    private let lock = ConditionLock(State())
    /// The AIO context and the eventfd, owned: destroyed and closed in `deinit`, after the completion thread (which
    /// holds a reference) has exited, so no call can use them after close.
    private let context: aio_context_t
    private let eventFD: CInt
    private var thread: pthread_t?

    init(backend: KernelBackend, maxInFlight: Int, backlogLimit: Int) throws(KernelCipherError) {
        self.backend = backend
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
    func submit(_ job: Job, mayBacklog: Bool) throws(KernelCipherError) -> RequestStatus {
        enum Plan { case run(Flight), create, queued(RequestStatus) }
        let plan = try lock.withLock { (s: inout State) throws(KernelCipherError) -> Plan in
            if s.released { throw .transformReleased }
            if let flight = s.idle.popLast() { return .run(flight) }
            if s.all.count + s.reserved < maxInFlight { s.reserved += 1; return .create }
            guard mayBacklog else { throw .busy }
            let status: RequestStatus = s.backlog.count >= backlogLimit ? .backlogged : .inProgress
            guard job.markQueued() else { return .queued(status) }
            s.backlog.append(job)
            return .queued(status)
        }
        let flight: Flight
        switch plan {
        case .queued(let status): return status
        case .run(let reused): flight = reused
        case .create: flight = try makeFlight()
        }
        guard job.markQueued() else { next(after: flight).map { run($0.0, $0.1) }; return .inProgress }
        run(flight, job)
        return .inProgress
    }

    /// A flight on a new op socket, for a place reserved in `State.reserved` (given back if `accept` fails).
    private func makeFlight() throws(KernelCipherError) -> Flight {
        do {
            guard let slot = try backend.makeSlot() as? KernelSlot else { preconditionFailure("kernel slot") }
            let flight = Flight(slot: slot)
            lock.withLock { s in s.reserved -= 1; s.all.append(flight) }
            return flight
        } catch {
            let released = lock.withLock { s in s.reserved -= 1; return s.released }
            if released { wakeReleaser() }
            throw error
        }
    }

    /// Runs `job` and any backlogged successors until one is queued in the kernel or none is left.
    private func run(_ flight: Flight, _ first: Job) {
        var next: (Flight, Job)? = (flight, first)
        while let (flight, job) = next {
            if lock.withLock({ $0.released }) { job.abandon(.transformReleased); next = self.next(after: flight); continue }
            guard job.start() else { next = self.next(after: flight); continue }
            flight.job = job
            flight.total = job.work.count
            flight.produced = 0
            flight.roundEnd = 0
            flight.control = true
            switch job.work {
            case .caller(_, let output):
                flight.output = output
                flight.ownsOutput = false
            case .bytes:
                flight.output = .allocate(byteCount: max(flight.total, 1), alignment: 16)
                flight.ownsOutput = true
            }
            job.iv.withUnsafeBytes { flight.slot?.control.set(job.operation, iv: $0) }
            if drive(flight, result: nil) { return }
            next = finish(flight)
        }
    }

    /// Advances a flight; true when a read is queued in the kernel, false when its request is finished
    /// (successfully or not, recorded in `flight.failure`).
    private func drive(_ flight: Flight, result: Int?) -> Bool {
        guard let slot = flight.slot else { preconditionFailure("a flight with kernel work has its op socket") }
        var result = result
        while true {
            if let r = result {
                // A read that produced nothing is an error, as in the synchronous path.
                if r <= 0 {
                    flight.failure = .kernel(operation: "read (aio)", errno: r == 0 ? .invalidArgument : Errno(rawValue: CInt(-r)))
                    return false
                }
                flight.produced += r
                result = nil
            }
            if flight.produced >= flight.total { return false }
            if flight.produced == flight.roundEnd, let error = sendRound(flight, slot) {
                flight.failure = error
                return false
            }
            let target = UnsafeMutableRawBufferPointer(rebasing: flight.output[flight.produced..<flight.roundEnd])
            flight.block = iocb()
            flight.block.aio_data = UInt64(UInt(bitPattern: Unmanaged.passUnretained(flight).toOpaque()))
            flight.block.aio_lio_opcode = UInt16(IOCB_CMD_PREAD)
            flight.block.aio_fildes = UInt32(slot.socket.descriptor)
            flight.block.aio_buf = UInt64(UInt(bitPattern: target.baseAddress))
            flight.block.aio_nbytes = UInt64(target.count)
            flight.block.aio_flags = UInt32(IOCB_FLAG_RESFD)
            flight.block.aio_resfd = UInt32(eventFD)
            let submitted = withUnsafeMutablePointer(to: &flight.block) { block -> Int in
                var list: UnsafeMutablePointer<iocb>? = block
                return ckcapi_io_submit(context, 1, &list)
            }
            if submitted == 1 { return true }
            // io_submit refused (e.g. a kernel without socket AIO; nothing was queued): read synchronously instead.
            do throws(Errno) { result = try slot.socket.receive(into: target) } catch {
                result = -Int(error.rawValue)
            }
        }
    }

    /// Sends the next ≤64 KiB of input (MSG_MORE unless it is the last), the first with the op/IV control data.
    private func sendRound(_ flight: Flight, _ slot: KernelSlot) -> KernelCipherError? {
        guard let job = flight.job else { return .transformReleased }
        let start = flight.roundEnd
        let end = min(flight.total, start + KernelBackend.chunk)
        flight.roundEnd = end
        return withInput(job.work) { input -> KernelCipherError? in
            var sent = start
            repeat {
                let part = UnsafeRawBufferPointer(rebasing: input[sent..<end])
                do throws(Errno) {
                    sent += try slot.socket.send(part, control: flight.control ? slot.control.bytes : nil,
                                                 more: end < flight.total)
                } catch {
                    return .kernel(operation: "sendmsg", errno: error)
                }
                flight.control = false
            } while sent < end
            return nil
        }
    }

    private func withInput<R>(_ work: RequestWork, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch work {
        case .bytes(let data): return data.withUnsafeBytes(body)
        case .caller(let input, _): return body(input)
        }
    }

    /// Delivers the finished flight's result, then returns the next backlogged job and the flight to run it on.
    ///
    /// Before the completion runs, the op socket's kernel work is over: a failed request's socket is closed now
    /// (it may hold the request's queued data), a good one is marked finishing, so a re-key may close it and a
    /// release need not wait for it while the completion runs. The completion still runs before its op socket
    /// takes the next request, as a worker thread does in the threads mode.
    private func finish(_ flight: Flight) -> (Flight, Job)? {
        guard let job = flight.job else { return next(after: flight) }
        let result: Result<[UInt8], KernelCipherError>
        if let failure = flight.failure {
            result = .failure(failure)
        } else if flight.ownsOutput {
            result = .success(Array(UnsafeRawBufferPointer(rebasing: flight.output[0..<flight.total])))
        } else {
            result = .success([])
        }
        if flight.ownsOutput { flight.output.deallocate() }
        flight.ownsOutput = false
        flight.job = nil
        let failed = flight.failure != nil
        flight.failure = nil
        let (closing, wake) = lock.withLock { s -> (KernelSlot?, Bool) in
            if failed {
                s.all.removeAll { $0 === flight }
                defer { flight.slot = nil }
                return (flight.slot, s.released)
            }
            flight.isFinishing = true
            s.finishing += 1
            return (nil, s.released)
        }
        _ = consume closing  // a failed op socket closes here, outside the lock
        if wake { wakeReleaser() }
        job.finish(result)
        return next(after: flight)
    }

    /// The next backlogged job and the flight to run it on: this flight, or a new one when its op socket was closed
    /// meanwhile. Nil after idling (or, when released or closed, dropping) the flight.
    private func next(after flight: Flight) -> (Flight, Job)? {
        enum Step { case run(Job), replace(Job), stop(wake: Bool) }
        while true {
            let step = lock.withLock { s -> Step in
                if flight.isFinishing { flight.isFinishing = false; s.finishing -= 1 }
                let open = flight.slot != nil
                if s.released || s.backlog.isEmpty {
                    if open && !s.released { s.idle.append(flight) } else { s.all.removeAll { $0 === flight } }
                    return .stop(wake: s.released)
                }
                if open { return .run(s.backlog.popFirst()!) }
                s.reserved += 1
                return .replace(s.backlog.popFirst()!)
            }
            switch step {
            case .stop(let wake):
                if wake { wakeReleaser() }
                return nil
            case .run(let job):
                return (flight, job)
            case .replace(let job):
                do throws(KernelCipherError) {
                    return (try makeFlight(), job)
                } catch {
                    job.abandon(error)  // and try the next backlogged job, so none is left without a flight
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
                    let flight = Unmanaged<Flight>.fromOpaque(raw).takeUnretainedValue()
                    if drive(flight, result: Int(event.res)) { continue }
                    if let (next, job) = finish(flight) { run(next, job) }
                }
            }
            if lock.withLock({ $0.released && $0.busy == 0 }) { break }
        }
        lock.withLock { s in s.idle.removeAll(); s.all.removeAll() }
    }

    /// After release, an op socket's kernel work ended: wakes `release()` (waiting for `busy == 0`) and the
    /// completion thread (which exits at `busy == 0`; this may be the last flight, on a submitting thread).
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
        let closing = lock.withLock { s -> [KernelSlot] in
            var closing = s.idle.compactMap { $0.slot }
            for flight in s.idle { flight.slot = nil }
            s.idle.removeAll()
            for flight in s.all where flight.isFinishing {
                if let slot = flight.slot { closing.append(slot) }
                flight.slot = nil
                flight.isFinishing = false
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
        let abandoned = lock.withLock { s -> [Job]? in
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
