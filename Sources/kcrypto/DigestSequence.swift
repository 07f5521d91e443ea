#if canImport(Glibc)
import Glibc
#endif
@_spi(Platform) import KernelCipher

/// The inputs of one `dgst` run (FILE arguments, or the entries of a `--check` list) in their order: each is
/// digested, then reported through `report` strictly in that order. With a pool, regular files are hashed several
/// at once (each report comes as soon as everything before it is reported); stdin, FIFOs, devices and directories
/// are read on this thread once everything before them is reported. Without one, every input is read here, one
/// after another. `Item` is what the report needs besides the outcome (a name, a checksum line's expected digest).
struct DigestSequence<Item> {
    /// What `report` gets: an item and its digest (or the errno of its failed `open`/`read`), or nil for an item
    /// that needed no digest (a message that must keep its place).
    typealias Report = (Item, Result<[UInt8], Errno>?) throws(CipherCommandError) -> Void

    private enum Pending {
        /// Known: a failed `open`, or nothing to digest.
        case ready(Result<[UInt8], Errno>?)
        /// Hashing in the pool.
        case ticket(Int)
    }

    private var digester: FileDigester
    private let pool: DigestPool?
    private var waiting: [(item: Item, pending: Pending)] = []
    private var waitingHead = 0

    /// A sequence hashing with `digester` (its progress setting included) and `jobs` files at once (1: one after
    /// another, with no thread started).
    init(digester: FileDigester, jobs: Int) {
        self.digester = digester
        pool = jobs > 1 ? DigestPool(hash: digester.hash, width: jobs) : nil
    }

    /// Adds an input: `file` is digested and reported with `item` after everything added before it (nil: `item`
    /// is reported with no digest). A hash failure is thrown when its turn comes, after the items before it.
    mutating func add(_ item: Item, digesting file: FileName?, report: Report) throws(CipherCommandError) {
        guard let pool else {
            try report(item, try file.map { (file) throws(CipherCommandError) in try digester.digest(file) })
            return
        }
        guard let file else { return try enqueue(item, .ready(nil), report: report) }
        if file.isStandardStream {
            guard !StandardStreams.wasClosed(0) else {
                return try enqueue(item, .ready(.failure(Errno(rawValue: EBADF))), report: report)
            }
            try flush(report: report)
            return try report(item, pool.digestHere(descriptor: 0).get())
        }
        let opened: OwnedDescriptor
        do { opened = try file.openOwned(O_RDONLY) } catch {
            return try enqueue(item, .ready(.failure(error)), report: report)
        }
        guard case .success(let st) = fileStatus(opened.rawValue), st.st_mode & S_IFMT == S_IFREG else {
            // A FIFO or a device may block or be stdin by another name; a directory fails at its first read.
            try flush(report: report)
            return try report(item, pool.digestHere(descriptor: opened.rawValue).get())
        }
        pool.waitForRoom()
        try enqueue(item, .ticket(pool.submit(opened)), report: report)
    }

    /// Reports every input added, waiting for the ones still hashing.
    mutating func flush(report: Report) throws(CipherCommandError) {
        try reportReady(waiting: true, report: report)
    }

    /// Stops the pool's threads (after an error, the files still hashing are abandoned). Call once at the end.
    func close() { pool?.shutdown() }

    private mutating func enqueue(_ item: Item, _ pending: Pending, report: Report) throws(CipherCommandError) {
        waiting.append((item, pending))
        try reportReady(waiting: false, report: report)
    }

    /// Reports the waiting inputs in order while their outcomes are known (or, `waiting`, until none is left).
    private mutating func reportReady(waiting wait: Bool, report: Report) throws(CipherCommandError) {
        while waitingHead < waiting.count {
            let (item, pending) = waiting[waitingHead]
            let result: Result<[UInt8], Errno>?
            switch pending {
            case .ready(let known):
                result = known
            case .ticket(let ticket):
                guard let pool, let outcome = wait ? pool.outcome(of: ticket) : pool.outcome(ifFinished: ticket) else {
                    return
                }
                result = try outcome.get()
            }
            waitingHead += 1
            if waitingHead == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                waitingHead = 0
            } else if waitingHead >= 1024 && waitingHead * 2 >= waiting.count {
                waiting.removeSubrange(0..<waitingHead)
                waitingHead = 0
            }
            try report(item, result)
        }
    }
}
