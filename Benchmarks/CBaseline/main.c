/*
 * kcapi-c-baseline: the raw C loops `kcrypto speed` is compared against (issue 6).
 *
 *   kcapi-c-baseline [--engine evp|kcapi|afalg|afalg-mt] [-c NAME] [--sizes 16,256,...] [--seconds S] [--repeat N]
 *                    [--key-bytes K] [--decrypt] [--no-header] [--dump]
 *
 * evp:   one EVP_CIPHER_CTX keyed once (EVP_CIPHER_fetch + EVP_CipherInit_ex2); per message
 *        EVP_CipherInit_ex2(ctx, NULL, NULL, iv, -1, NULL) + EVP_CipherUpdate + EVP_CipherFinal_ex
 *        (what the Swift software engine does per request).
 * kcapi: libkcapi, kcapi_cipher_init + setkey once; per message kcapi_cipher_encrypt(..., KCAPI_ACCESS_SENDMSG).
 * afalg: raw AF_ALG: socket/bind/setkey/accept once; per message one sendmsg (ALG_SET_OP + ALG_SET_IV + data) and
 *        one read per 64 KiB round (what the Swift kernel engine does per request).
 * afalg-mt: afalg in a process with a second, idle thread, as every Swift process with a concurrency runtime has.
 *        The kernel then takes a file reference in each system call's descriptor lookup (`__fget_light` skips it
 *        only while no other thread shares the descriptor table): about 170 guest instructions per message on 6.1
 *        (sendmsg + read) that are the process's, not the library's.
 * AEAD (gcm(aes), rfc7539(chacha20,poly1305)) and hash/MAC (sha256, hmac(sha256)) names run the loops of aead.c and
 * hash.c (evp and afalg engines, encryption / one digest per message); --dump prints each size's output in hex
 * once (on stderr) so the engines' bytes can be compared.
 * Output: CSV lines impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps (one per size × repeat).
 * Timing: messages run in batches; the clock is read once per batch, batches grow to ~1/64 of the period.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/socket.h>
#include <linux/if_alg.h>
#include <openssl/evp.h>
#include <openssl/err.h>
#include <kcapi.h>
#include "family.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

static void *idle_thread(void *arg) {
    (void)arg;
    for (;;) pause();
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what) {
    fprintf(stderr, "kcapi-c-baseline: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

void baseline_die(const char *what) { die(what); }

/* ---- EVP ------------------------------------------------------------------------------------------------------- */
struct evp_state { EVP_CIPHER_CTX *ctx; };

static int evp_one(void *s, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv) {
    EVP_CIPHER_CTX *ctx = ((struct evp_state *)s)->ctx;
    int n = 0, tail = 0;
    if (EVP_CipherInit_ex2(ctx, NULL, NULL, iv, -1, NULL) != 1) return -1;
    if (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len) return -1;
    if (EVP_CipherFinal_ex(ctx, out + n, &tail) != 1 || tail != 0) return -1;
    return 0;
}

/* Kernel name + key bytes -> EVP name (aes modes used by the benchmark). */
static int evp_name(const char *alg, size_t key, char *buf, size_t cap) {
    const char *modes[][2] = {{"cbc(aes)", "CBC"}, {"ctr(aes)", "CTR"}, {"ecb(aes)", "ECB"}, {"xts(aes)", "XTS"}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(alg, modes[i][0]) != 0) continue;
        size_t bits = strcmp(modes[i][1], "XTS") == 0 ? key * 4 : key * 8;
        snprintf(buf, cap, "AES-%zu-%s", bits, modes[i][1]);
        return 0;
    }
    return -1;
}

static void *evp_setup(const char *alg, const uint8_t *key, size_t keylen, int enc) {
    char name[64];
    if (evp_name(alg, keylen, name, sizeof name) != 0) die("unsupported algorithm for evp");
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
    if (!cipher) die("EVP_CIPHER_fetch failed");
    struct evp_state *s = calloc(1, sizeof *s);
    s->ctx = EVP_CIPHER_CTX_new();
    if (!s->ctx || EVP_CipherInit_ex2(s->ctx, cipher, key, NULL, enc, NULL) != 1) die("EVP_CipherInit_ex2 (key)");
    EVP_CIPHER_CTX_set_padding(s->ctx, 0);
    return s;
}

/* ---- libkcapi -------------------------------------------------------------------------------------------------- */
struct kcapi_state { struct kcapi_handle *h; int enc; };

static int kcapi_one(void *p, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv) {
    struct kcapi_state *s = p;
    ssize_t r = s->enc ? kcapi_cipher_encrypt(s->h, in, len, iv, out, len, KCAPI_ACCESS_SENDMSG)
                       : kcapi_cipher_decrypt(s->h, in, len, iv, out, len, KCAPI_ACCESS_SENDMSG);
    return r == (ssize_t)len ? 0 : -1;
}

static void *kcapi_setup(const char *alg, const uint8_t *key, size_t keylen, int enc) {
    struct kcapi_state *s = calloc(1, sizeof *s);
    int rc = kcapi_cipher_init(&s->h, alg, 0);
    if (rc) { fprintf(stderr, "kcapi_cipher_init(%s): %s\n", alg, strerror(-rc)); exit(1); }
    if (kcapi_cipher_setkey(s->h, key, (uint32_t)keylen)) die("kcapi_cipher_setkey");
    s->enc = enc;
    return s;
}

/* ---- raw AF_ALG ------------------------------------------------------------------------------------------------ */
struct afalg_state { int tfm, op, enc; size_t ivlen; uint8_t control[CMSG_SPACE(4) + CMSG_SPACE(4 + 32)]; };

static int afalg_one(void *p, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv) {
    struct afalg_state *s = p;
    size_t clen = CMSG_SPACE(4) + (s->ivlen ? CMSG_SPACE(4 + s->ivlen) : 0);
    struct cmsghdr *c = (struct cmsghdr *)s->control;
    c->cmsg_level = SOL_ALG; c->cmsg_type = ALG_SET_OP; c->cmsg_len = CMSG_LEN(4);
    *(uint32_t *)CMSG_DATA(c) = s->enc ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT;
    if (s->ivlen) {
        c = (struct cmsghdr *)(s->control + CMSG_SPACE(4));
        c->cmsg_level = SOL_ALG; c->cmsg_type = ALG_SET_IV; c->cmsg_len = CMSG_LEN(4 + s->ivlen);
        struct af_alg_iv *a = (struct af_alg_iv *)CMSG_DATA(c);
        a->ivlen = (uint32_t)s->ivlen;
        memcpy(a->iv, iv, s->ivlen);
    }
    size_t off = 0, chunk = 64 << 10;
    int first = 1;
    do {
        size_t n = len - off < chunk ? len - off : chunk;
        int last = off + n == len;
        struct iovec v = {(void *)(in + off), n};
        struct msghdr m = {.msg_iov = &v, .msg_iovlen = 1};
        if (first) { m.msg_control = s->control; m.msg_controllen = clen; }
        ssize_t w = sendmsg(s->op, &m, last ? 0 : MSG_MORE);
        if (w != (ssize_t)n) return -1;
        first = 0;
        size_t got = 0;
        while (got < n) {
            ssize_t r = read(s->op, out + off + got, n - got);
            if (r <= 0) return -1;
            got += (size_t)r;
        }
        off += n;
    } while (off < len);
    return 0;
}

static void *afalg_setup(const char *alg, const uint8_t *key, size_t keylen, int enc) {
    struct afalg_state *s = calloc(1, sizeof *s);
    struct sockaddr_alg sa = {.salg_family = AF_ALG, .salg_type = "skcipher"};
    snprintf((char *)sa.salg_name, sizeof sa.salg_name, "%s", alg);
    s->tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s->tfm < 0 || bind(s->tfm, (struct sockaddr *)&sa, sizeof sa) != 0) die("AF_ALG socket/bind failed");
    if (setsockopt(s->tfm, SOL_ALG, ALG_SET_KEY, key, (socklen_t)keylen) != 0) die("ALG_SET_KEY failed");
    s->op = accept(s->tfm, NULL, NULL);
    if (s->op < 0) die("accept failed");
    s->ivlen = strncmp(alg, "ecb(", 4) == 0 ? 0 : 16;
    s->enc = enc;
    return s;
}

/* ---- driver ---------------------------------------------------------------------------------------------------- */
static size_t parse_sizes(const char *arg, size_t *sizes, size_t cap) {
    size_t n = 0;
    char *copy = strdup(arg), *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t && n < cap; t = strtok_r(NULL, ",", &save)) sizes[n++] = strtoul(t, NULL, 10);
    free(copy);
    return n;
}

/* Runs messages for about `seconds`; returns messages done and sets *elapsed. */
static uint64_t measure(one_msg_fn fn, void *s, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv,
                        double seconds, double *elapsed) {
    for (int i = 0; i < 3; i++) if (fn(s, in, out, len, iv) != 0) die("crypto call failed (warm-up)");
    uint64_t batch = 1, done = 0;
    double start = now(), t = start, target = seconds / 64;
    while (t - start < seconds) {
        double b0 = t;
        for (uint64_t i = 0; i < batch; i++)
            if (fn(s, in, out, len, iv) != 0) die("crypto call failed");
        done += batch;
        t = now();
        if (t - b0 < target && batch < (1u << 24)) batch *= 2;
    }
    *elapsed = t - start;
    return done;
}

int main(int argc, char **argv) {
    const char *engine = "evp", *alg = "cbc(aes)", *sizes_arg = "16,256,4096,65536,1048576";
    double seconds = 0.5;
    int repeat = 1, header = 1, enc = 1, dump = 0;
    size_t keylen = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--engine") && v) { engine = v; i++; }
        else if ((!strcmp(a, "-c") || !strcmp(a, "--cipher")) && v) { alg = v; i++; }
        else if (!strcmp(a, "--sizes") && v) { sizes_arg = v; i++; }
        else if (!strcmp(a, "--seconds") && v) { seconds = atof(v); i++; }
        else if (!strcmp(a, "--repeat") && v) { repeat = atoi(v); i++; }
        else if (!strcmp(a, "--key-bytes") && v) { keylen = strtoul(v, NULL, 10); i++; }
        else if (!strcmp(a, "--decrypt")) enc = 0;
        else if (!strcmp(a, "--no-header")) header = 0;
        else if (!strcmp(a, "--dump")) dump = 1;
        else { fprintf(stderr, "usage: see the comment at the top of Benchmarks/CBaseline/main.c (bad: %s)\n", a); return 2; }
    }
    const char *label = engine;
    if (!strcmp(engine, "afalg-mt")) {
        pthread_t t;
        if (pthread_create(&t, NULL, idle_thread, NULL) != 0) { fprintf(stderr, "pthread_create failed\n"); return 1; }
        engine = "afalg";
    }
    int aead = aead_is(alg), hash = hash_is(alg);
    if (!keylen) keylen = aead ? aead_default_key(alg) : hash ? hash_default_key(alg) : strcmp(alg, "xts(aes)") == 0 ? 32 : 16;
    if ((aead || hash) && !enc) { fprintf(stderr, "kcapi-c-baseline: %s: encryption / digest only\n", alg); return 2; }
    if ((aead || hash) && strcmp(engine, "evp") && strcmp(engine, "afalg")) {
        fprintf(stderr, "kcapi-c-baseline: %s: engines evp and afalg only (not %s)\n", alg, engine);
        return 2;
    }
    uint8_t key[64], iv[16];
    for (size_t i = 0; i < sizeof key; i++) key[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof iv; i++) iv[i] = (uint8_t)(i + 100);
    void *state;
    one_msg_fn fn;
    size_t limit = 0;  /* largest message, 0 = any */
    if (aead && !strcmp(engine, "evp")) { state = aead_evp_setup(alg, key, keylen); fn = aead_evp_one; }
    else if (aead) { state = aead_afalg_setup(alg, key, keylen); fn = aead_afalg_one; limit = aead_afalg_limit(state); }
    else if (hash && !strcmp(engine, "evp")) { state = hash_evp_setup(alg, key, keylen); fn = hash_evp_one; }
    else if (hash) { state = hash_afalg_setup(alg, key, keylen); fn = hash_afalg_one; }
    else if (!strcmp(engine, "evp")) { state = evp_setup(alg, key, keylen, enc); fn = evp_one; }
    else if (!strcmp(engine, "kcapi")) { state = kcapi_setup(alg, key, keylen, enc); fn = kcapi_one; }
    else if (!strcmp(engine, "afalg")) { state = afalg_setup(alg, key, keylen, enc); fn = afalg_one; }
    else { fprintf(stderr, "unknown engine %s\n", engine); return 2; }
    size_t sizes[32];
    size_t nsizes = parse_sizes(sizes_arg, sizes, 32);
    if (header) printf("impl,engine,algorithm,size,inflight,messages,seconds,ns_per_msg,MBps\n");
    for (int r = 0; r < repeat; r++) {
        for (size_t k = 0; k < nsizes; k++) {
            size_t len = sizes[k];
            if (limit && len > limit) {
                if (r == 0)
                    fprintf(stderr, "kcapi-c-baseline: %s %s: %zu bytes exceed one AF_ALG AEAD request here (%zu); "
                            "size skipped\n", engine, alg, len, limit);
                continue;
            }
            /* Page-aligned like kcrypto speed's buffers: where a message crosses a page boundary changes the
             * kernel's work (pages pinned and copied per request), so both sides must place it the same. */
            size_t bytes = (len + BASELINE_OUTPUT_SLACK + 4095) & ~(size_t)4095;  /* room for a tag or digest */
            uint8_t *in = aligned_alloc(4096, bytes ? bytes : 4096), *out = aligned_alloc(4096, bytes ? bytes : 4096);
            for (size_t i = 0; i < len; i++) in[i] = (uint8_t)i;
            double elapsed = 0;
            uint64_t msgs = measure(fn, state, in, out, len, iv, seconds, &elapsed);
            if (dump && r == 0) {
                size_t n = family_output_length(alg, len), shown = n < 64 ? n : 64;
                fprintf(stderr, "%s %s %zu:", engine, alg, len);
                for (size_t i = 0; i < shown; i++) fprintf(stderr, "%02x", out[n - shown + i]);
                fprintf(stderr, "\n");
            }
            double ns = elapsed * 1e9 / (double)msgs, mbps = (double)len * (double)msgs / elapsed / 1e6;
            /* RFC 4180: a name with a comma (rfc7539(chacha20,poly1305)) is quoted. */
            const char *q = strchr(alg, ',') ? "\"" : "";
            printf("c,%s,%s%s%s,%zu,1,%llu,%.6f,%.1f,%.2f\n", label, q, alg, q, len, (unsigned long long)msgs, elapsed,
                   ns, mbps);
            fflush(stdout);
            free(in); free(out);
        }
    }
    return 0;
}
