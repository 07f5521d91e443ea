// libkcapi and the kernel UAPI the AF_ALG engine drives directly.
#ifndef CKCAPI_SHIM_H
#define CKCAPI_SHIM_H
#ifndef __linux__
#error "swift-kcapi needs Linux: AF_ALG sockets, libkcapi and the kernel UAPI headers (linux/if_alg.h) exist on no other system"
#endif
#include <kcapi.h>
#include <linux/if_alg.h>
#include <linux/aio_abi.h>
#include <linux/keyctl.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

// Swift cannot call the variadic syscall(2), and glibc has no io_* wrappers: these one-line inline
// forwarders are the only code in this module.
static inline long ckcapi_io_setup(unsigned nr, aio_context_t *ctx) { return syscall(__NR_io_setup, nr, ctx); }
static inline long ckcapi_io_destroy(aio_context_t ctx) { return syscall(__NR_io_destroy, ctx); }
static inline long ckcapi_io_submit(aio_context_t ctx, long n, struct iocb **iocbs) {
    return syscall(__NR_io_submit, ctx, n, iocbs);
}
// glibc declares accept4 only under _GNU_SOURCE, which this module map does not set.
static inline int ckcapi_accept4(int fd, int flags) { return (int)syscall(__NR_accept4, fd, NULL, NULL, flags); }
static inline long ckcapi_io_getevents(aio_context_t ctx, long min, long max, struct io_event *events,
                                       struct timespec *timeout) {
    return syscall(__NR_io_getevents, ctx, min, max, events, timeout);
}
// Kernel keyrings (add_key(2), request_key(2), keyctl(2)); libkeyutils is not a dependency.
static inline long ckcapi_add_key(const char *type, const char *desc, const void *payload, size_t len, int ring) {
    return syscall(__NR_add_key, type, desc, payload, len, ring);
}
static inline long ckcapi_request_key(const char *type, const char *desc, int ring) {
    return syscall(__NR_request_key, type, desc, NULL, ring);
}
static inline long ckcapi_keyctl(int op, unsigned long a2, unsigned long a3, unsigned long a4) {
    return syscall(__NR_keyctl, op, a2, a3, a4, 0UL);
}
static inline long ckcapi_keyctl_buffer(int op, int key, void *buffer, size_t len) {
    return syscall(__NR_keyctl, op, key, buffer, len, 0UL);
}
#endif
