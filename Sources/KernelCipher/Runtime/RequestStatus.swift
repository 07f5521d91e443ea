/// Options for one request (the kernel's `CRYPTO_TFM_REQ_*` request flags).
public struct RequestFlags: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Queue the request when every op slot is busy instead of failing with `.busy` (`CRYPTO_TFM_REQ_MAY_BACKLOG`).
    /// Such a request is never refused for a full backlog: past `TransformOptions.backlogLimit` waiting requests
    /// it is still accepted, and `encrypt()`/`decrypt()` return `.backlogged` so the caller can slow down (the
    /// kernel returns -EBUSY for a backlogged MAY_BACKLOG request, yet completes it). Submitting never blocks, so a
    /// completion may submit the next request even when the backlog is full.
    public static let mayBacklog = RequestFlags(rawValue: 1 << 0)
}

/// How an accepted request was queued (the kernel's -EINPROGRESS, or -EBUSY with MAY_BACKLOG).
public enum RequestStatus: Sendable, Hashable {
    /// Running, or waiting within the transform's backlog limit (`-EINPROGRESS`).
    case inProgress
    /// Accepted past `TransformOptions.backlogLimit` waiting requests because it allows `.mayBacklog`
    /// (`-EBUSY` with `CRYPTO_TFM_REQ_MAY_BACKLOG`): it will complete, but the caller should slow down.
    case backlogged
}
