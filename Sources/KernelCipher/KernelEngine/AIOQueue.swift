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
    /// One op socket and the request it is running; touched only by the thread that owns the request.
    final class Flight {
        let slot: KernelSlot
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
        var all: [Flight] = []
        var idle: [Flight] = []
        var reserved = 0
        var backlog: [Job] = []
        var released = false
        var busy: Int { all.count + reserved - idle.count }
    }

    private let backend: KernelBackend
    private let maxInFlight: Int
    private let backlogLimit: Int
    private let lock = ConditionLock(State())
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
        case .create:
            do {
                guard let slot = try backend.makeSlot() as? KernelSlot else { preconditionFailure("kernel slot") }
                flight = Flight(slot: slot)
                lock.withLock { s in s.reserved -= 1; s.all.append(flight) }
            } catch {
                lock.withLock { s in s.reserved -= 1 }
                lock.broadcast()
                throw error
            }
        }
        guard job.markQueued() else { idleOrNext(flight).map { run(flight, $0) }; return .inProgress }
        run(flight, job)
        return .inProgress
    }

    /// Runs `job` and any backlogged successors on `flight` until one is queued in the kernel or none is left.
    private func run(_ flight: Flight, _ first: Job) {
        var next: Job? = first
        while let job = next {
            if lock.withLock({ $0.released }) { job.abandon(.transformReleased); next = idleOrNext(flight); continue }
            guard job.start() else { next = idleOrNext(flight); continue }
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
            job.iv.withUnsafeBytes { flight.slot.control.set(job.operation, iv: $0) }
            if drive(flight, result: nil) { return }
            next = finish(flight)
        }
    }

    /// Advances a flight; true when a read is queued in the kernel, false when its request is finished
    /// (successfully or not, recorded in `flight.failure`).
    private func drive(_ flight: Flight, result: Int?) -> Bool {
        var result = result
        while true {
            if let r = result {
                if r < 0 { flight.failure = .kernel(operation: "read (aio)", errno: Errno(rawValue: CInt(-r))); return false }
                // Older kernels reported 0 for a complete AIO read (libkcapi works around the same).
                flight.produced += r == 0 ? flight.roundEnd - flight.produced : r
                result = nil
            }
            if flight.produced >= flight.total { return false }
            if flight.produced == flight.roundEnd, let error = sendRound(flight) {
                flight.failure = error
                return false
            }
            let target = UnsafeMutableRawBufferPointer(rebasing: flight.output[flight.produced..<flight.roundEnd])
            flight.block = iocb()
            flight.block.aio_data = UInt64(UInt(bitPattern: Unmanaged.passUnretained(flight).toOpaque()))
            flight.block.aio_lio_opcode = UInt16(IOCB_CMD_PREAD)
            flight.block.aio_fildes = UInt32(flight.slot.fd)
            flight.block.aio_buf = UInt64(UInt(bitPattern: target.baseAddress))
            flight.block.aio_nbytes = UInt64(target.count)
            flight.block.aio_flags = UInt32(IOCB_FLAG_RESFD)
            flight.block.aio_resfd = UInt32(eventFD)
            let submitted = withUnsafeMutablePointer(to: &flight.block) { block -> Int in
                var list: UnsafeMutablePointer<iocb>? = block
                return ckcapi_io_submit(context, 1, &list)
            }
            if submitted == 1 { return true }
            // io_submit refused (e.g. a kernel without socket AIO): do this read synchronously.
            switch AFALG.receive(flight.slot.fd, into: target) {
            case .success(let n): result = n == 0 ? -Int(EINVAL) : n
            case .failure(let errno): result = -Int(errno.rawValue)
            }
        }
    }

    /// Sends the next ≤64 KiB of input (MSG_MORE unless it is the last), the first with the op/IV control data.
    private func sendRound(_ flight: Flight) -> KernelCipherError? {
        guard let job = flight.job else { return .transformReleased }
        let start = flight.roundEnd
        let end = min(flight.total, start + KernelBackend.chunk)
        flight.roundEnd = end
        return withInput(job.work) { input -> KernelCipherError? in
            var sent = start
            repeat {
                let part = UnsafeRawBufferPointer(rebasing: input[sent..<end])
                switch AFALG.send(flight.slot.fd, data: part, control: flight.control ? flight.slot.control.bytes : nil,
                                  more: end < flight.total) {
                case .success(let n): sent += n
                case .failure(let errno): return .kernel(operation: "sendmsg", errno: errno)
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

    /// Delivers the finished flight's result, then returns the next backlogged job for it (or idles it).
    private func finish(_ flight: Flight) -> Job? {
        guard let job = flight.job else { return idleOrNext(flight) }
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
        flight.failure = nil
        flight.job = nil
        // The completion runs before the op socket is reused, as a worker thread does in the threads mode, so a
        // request's slot stays taken until its callback returns in both modes.
        job.finish(result)
        return idleOrNext(flight)
    }

    /// The next backlogged job for a free flight, or nil after returning the flight to the idle list.
    private func idleOrNext(_ flight: Flight) -> Job? {
        let next = lock.withLock { s -> Job? in
            if !s.backlog.isEmpty && !s.released { return s.backlog.removeFirst() }
            s.idle.append(flight)
            return nil
        }
        if next == nil { lock.broadcast() }
        return next
    }

    private func completionLoop() {
        var events = [io_event](repeating: io_event(), count: 64)
        var zero = timespec(tv_sec: 0, tv_nsec: 0)
        while true {
            var counter: UInt64 = 0
            let n = read(eventFD, &counter, 8)
            if n < 0 && errno == EINTR { continue }
            while true {
                let reaped = events.withUnsafeMutableBufferPointer {
                    ckcapi_io_getevents(context, 0, $0.count, $0.baseAddress, &zero)
                }
                if reaped <= 0 { break }
                for event in events[0..<reaped] {
                    let raw = UnsafeRawPointer(bitPattern: UInt(event.data))!
                    let flight = Unmanaged<Flight>.fromOpaque(raw).takeUnretainedValue()
                    if drive(flight, result: Int(event.res)) { continue }
                    if let next = finish(flight) { run(flight, next) }
                }
            }
            if lock.withLock({ $0.released && $0.busy == 0 }) { break }
        }
        _ = ckcapi_io_destroy(context)
        close(eventFD)
    }

    /// Closes idle op sockets (before a re-key, which the kernel refuses while op sockets exist).
    func flushIdle() {
        let closed = lock.withLock { s -> [Flight] in
            let idle = s.idle
            s.all.removeAll { flight in idle.contains { $0 === flight } }
            s.idle.removeAll()
            return idle
        }
        _ = closed
    }

    /// Fails backlogged jobs with `.transformReleased`, waits for running ones, stops the completion thread.
    func release() {
        let abandoned = lock.withLock { s -> [Job]? in
            if s.released { return nil }
            s.released = true
            defer { s.backlog.removeAll() }
            return s.backlog
        }
        guard let abandoned else { return }
        for job in abandoned { job.abandon(.transformReleased) }
        let onCompletionThread = thread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        if !onCompletionThread {
            lock.withLock(waitingUntil: { $0.busy == 0 }) { _ in }
        }
        var one: UInt64 = 1
        _ = write(eventFD, &one, 8)
        if let thread {
            if onCompletionThread { pthread_detach(thread) } else { pthread_join(thread, nil) }
        }
        lock.withLock { s in s.idle.removeAll(); if !onCompletionThread { s.all.removeAll() } }
    }
}
