/*
 * An LD_PRELOAD shim counting heap allocations, for `kcrypto speed` (issue #22: "≤ 1 heap allocation per request").
 *
 *   cc -O2 -shared -fPIC -o allocation-counter.so allocation-counter.c
 *   LD_PRELOAD=./allocation-counter.so kcrypto speed ...   → an ALLOCS/MSG column
 *
 * Every malloc, calloc, realloc, memalign, posix_memalign and aligned_alloc (what the Swift runtime's
 * swift_slowAlloc and OpenSSL call) adds one to a process-wide counter, then goes to glibc's own allocator.
 * kcrypto finds kcapi_allocation_count() with dlsym and reads it before and after each measured period.
 * Scripts/bench builds this file; it is not part of the package.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static uint64_t allocations;

static inline void count(void) { __atomic_fetch_add(&allocations, 1, __ATOMIC_RELAXED); }

uint64_t kcapi_allocation_count(void) { return __atomic_load_n(&allocations, __ATOMIC_RELAXED); }

void *malloc(size_t size) { count(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { count(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { count(); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { count(); return __libc_memalign(alignment, size); }

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    count();
    void *p = __libc_memalign(alignment, size);
    if (p == NULL && size != 0) return ENOMEM;
    *out = p;
    return 0;
}
