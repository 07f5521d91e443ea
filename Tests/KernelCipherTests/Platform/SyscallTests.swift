#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@_spi(Platform) @testable import KernelCipher

/// `valueOrErrno(retryOnInterrupt:_:)` against a real interrupted system call: a `read(2)` on an empty pipe,
/// blocked in another thread, interrupted by `SIGUSR2` whose handler is installed without `SA_RESTART` (so the
/// kernel returns `EINTR` instead of restarting the read).
@Suite(.serialized) struct SyscallTests {
    /// With retry on, the interrupted read is called again and returns the byte written after the interruption.
    @Test func retriesAnInterruptedRead() throws {
        let outcome = try Self.interruptedPipeRead(retryOnInterrupt: true, interruptionsBeforeData: 3)
        #expect(outcome.result == .success(1))
        #expect(outcome.calls >= 4, "the read was called again after each EINTR (\(outcome.calls) calls)")
    }

    /// With retry off, the same read reports `EINTR` (the signal really interrupts it).
    @Test func reportsEINTRWithoutRetry() throws {
        let outcome = try Self.interruptedPipeRead(retryOnInterrupt: false, interruptionsBeforeData: 1)
        #expect(outcome.result == .failure(.interrupted))
        #expect(outcome.calls == 1)
    }

    @Test func mapsMinusOneToErrnoAndPassesValuesThrough() {
        #expect(valueOrErrno(retryOnInterrupt: true) { close(-1) } == .failure(Errno(rawValue: EBADF)))
        #expect(valueOrErrno(retryOnInterrupt: true) { Int(7) } == .success(7))
        var st = stat()
        #expect(nothingOrErrno(retryOnInterrupt: false) { fstat(-1, &st) }.failure == Errno(rawValue: EBADF))
        #expect(nothingOrErrno(retryOnInterrupt: false) { fstat(0, &st) }.failure == nil)
    }

    /// Blocks a thread in `read(pipe)` through `valueOrErrno`, signals it until it has been interrupted
    /// `interruptionsBeforeData` times (counted by the calls the helper makes) or has returned, then writes one
    /// byte. Returns what `valueOrErrno` returned and how often it called `read`.
    static func interruptedPipeRead(retryOnInterrupt: Bool, interruptionsBeforeData: Int) throws
        -> (result: Result<Int, Errno>, calls: Int)
    {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocked read returns EINTR
        var previous = sigaction()
        try #require(sigaction(SIGUSR2, &action, &previous) == 0)
        defer { sigaction(SIGUSR2, &previous, nil) }

        var fds: [CInt] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let readEnd = fds[0]

        let state = Shared()
        let thread = startThread {
            // The thread inherits its creator's mask, and the test runner's threads (libdispatch) block signals.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGUSR2)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            var byte: UInt8 = 0
            let result = valueOrErrno(retryOnInterrupt: retryOnInterrupt) { () -> Int in
                state.calls.add(1, ordering: .sequentiallyConsistent)
                return read(readEnd, &byte, 1)
            }
            state.result.withLock { $0 = result }
            state.done.store(true, ordering: .sequentiallyConsistent)
        }
        // Each signal either interrupts the blocked read (the helper calls read again, or returns) or arrives
        // before it blocks and is absorbed by the handler; keep signalling until enough interruptions were seen.
        while !state.done.load(ordering: .sequentiallyConsistent),
              state.calls.load(ordering: .sequentiallyConsistent) <= interruptionsBeforeData {
            pthread_kill(thread, SIGUSR2)
            usleep(1_000)
        }
        var one: UInt8 = 1
        _ = write(fds[1], &one, 1)
        pthread_join(thread, nil)
        let result = try #require(state.result.withLock { $0 })
        return (result, state.calls.load(ordering: .sequentiallyConsistent))
    }

    final class Shared: Sendable {
        let calls = Atomic<Int>(0)
        let done = Atomic<Bool>(false)
        let result = Mutex<Result<Int, Errno>?>(nil)
    }
}
