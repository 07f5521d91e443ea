import KernelCipherTestSupport
import Testing
@testable import KernelCipher

/// `.mayBacklog` past the backlog limit through real op sockets, in both completion modes.
@Suite("AF_ALG kernel engine: backlog past the limit", .requiresAFALG, .serialized)
struct AFALGBacklogTests {
    @Test(arguments: [CompletionMode.aio, .threads]) func neverBusyWithMayBacklog(mode: CompletionMode) throws {
        try requireAFALG(); try BacklogConformance.neverBusyWithMayBacklog(.kernel, mode)
    }
    @Test(arguments: [CompletionMode.aio, .threads]) func statusReportsBacklog(mode: CompletionMode) throws {
        try requireAFALG(); try BacklogConformance.statusReportsBacklog(.kernel, mode)
    }
}
