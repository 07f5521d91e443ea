/*
 * AEAD baselines: gcm(aes) as aes-128-gcm and rfc7539(chacha20,poly1305) as ChaCha20-Poly1305; 12-byte IV, 16-byte
 * tag, no AAD, encryption; output ciphertext ‖ tag.
 *
 * evp:   one EVP_CIPHER_CTX keyed once; per message EVP_EncryptInit_ex2(ctx, NULL, NULL, iv, NULL) +
 *        EVP_EncryptUpdate + EVP_EncryptFinal_ex + EVP_CTRL_AEAD_GET_TAG.
 * afalg: raw AF_ALG: socket/bind("aead")/ALG_SET_KEY/ALG_SET_AEAD_AUTHSIZE(16)/accept once; per message one sendmsg
 *        (ALG_SET_OP + ALG_SET_IV + ALG_SET_AEAD_ASSOCLEN 0 + the plaintext) and reads until ciphertext ‖ tag is
 *        in. The kernel takes an AEAD message whole (no chaining across rounds), so it must fit the op socket's
 *        send buffer; larger sizes are skipped with a note.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_alg.h>
#include <openssl/evp.h>
#include "family.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif
#define TAG 16
#define IVLEN 12

int aead_is(const char *alg) {
    return !strcmp(alg, "gcm(aes)") || !strcmp(alg, "rfc7539(chacha20,poly1305)");
}

size_t aead_default_key(const char *alg) { return strcmp(alg, "gcm(aes)") == 0 ? 16 : 32; }

struct aead_evp { EVP_CIPHER_CTX *ctx; };

void *aead_evp_setup(const char *alg, const uint8_t *key, size_t keylen) {
    const char *name = !strcmp(alg, "gcm(aes)") ? (keylen == 32 ? "AES-256-GCM" : keylen == 24 ? "AES-192-GCM" : "AES-128-GCM")
                                                : "ChaCha20-Poly1305";
    EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, name, NULL);
    if (!cipher) baseline_die("EVP_CIPHER_fetch (aead) failed");
    struct aead_evp *s = calloc(1, sizeof *s);
    s->ctx = EVP_CIPHER_CTX_new();
    if (!s->ctx || EVP_EncryptInit_ex2(s->ctx, cipher, key, NULL, NULL) != 1) baseline_die("EVP_EncryptInit_ex2 (key)");
    EVP_CIPHER_free(cipher);
    return s;
}

int aead_evp_one(void *p, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv) {
    EVP_CIPHER_CTX *ctx = ((struct aead_evp *)p)->ctx;
    int n = 0, tail = 0;
    if (EVP_EncryptInit_ex2(ctx, NULL, NULL, iv, NULL) != 1) return -1;
    if (len && (EVP_EncryptUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len)) return -1;
    if (EVP_EncryptFinal_ex(ctx, out + n, &tail) != 1 || tail != 0) return -1;
    return EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG, out + len) == 1 ? 0 : -1;
}

struct aead_afalg {
    int tfm, op;
    uint8_t control[CMSG_SPACE(4) + CMSG_SPACE(4 + IVLEN) + CMSG_SPACE(4)];
};

void *aead_afalg_setup(const char *alg, const uint8_t *key, size_t keylen) {
    struct aead_afalg *s = calloc(1, sizeof *s);
    struct sockaddr_alg sa = {.salg_family = AF_ALG, .salg_type = "aead"};
    snprintf((char *)sa.salg_name, sizeof sa.salg_name, "%s", alg);
    s->tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s->tfm < 0 || bind(s->tfm, (struct sockaddr *)&sa, sizeof sa) != 0) baseline_die("AF_ALG aead socket/bind failed");
    if (setsockopt(s->tfm, SOL_ALG, ALG_SET_KEY, key, (socklen_t)keylen) != 0) baseline_die("ALG_SET_KEY failed");
    if (setsockopt(s->tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, TAG) != 0) baseline_die("ALG_SET_AEAD_AUTHSIZE failed");
    s->op = accept(s->tfm, NULL, NULL);
    if (s->op < 0) baseline_die("accept failed");
    /* The control messages never change: the IV bytes are rewritten per message. */
    struct cmsghdr *c = (struct cmsghdr *)s->control;
    c->cmsg_level = SOL_ALG; c->cmsg_type = ALG_SET_OP; c->cmsg_len = CMSG_LEN(4);
    *(uint32_t *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
    c = (struct cmsghdr *)(s->control + CMSG_SPACE(4));
    c->cmsg_level = SOL_ALG; c->cmsg_type = ALG_SET_IV; c->cmsg_len = CMSG_LEN(4 + IVLEN);
    ((struct af_alg_iv *)CMSG_DATA(c))->ivlen = IVLEN;
    c = (struct cmsghdr *)(s->control + CMSG_SPACE(4) + CMSG_SPACE(4 + IVLEN));
    c->cmsg_level = SOL_ALG; c->cmsg_type = ALG_SET_AEAD_ASSOCLEN; c->cmsg_len = CMSG_LEN(4);
    *(uint32_t *)CMSG_DATA(c) = 0;
    return s;
}

size_t aead_afalg_limit(void *p) {
    struct aead_afalg *s = p;
    int sndbuf = 0;
    socklen_t n = sizeof sndbuf;
    if (getsockopt(s->op, SOL_SOCKET, SO_SNDBUF, &sndbuf, &n) != 0 || sndbuf <= 0) return 0;
    /* af_alg_sndbuf: sk_sndbuf rounded down to pages, minus what is queued; keep a page of margin. */
    return ((size_t)sndbuf & ~(size_t)4095) - 4096;
}

int aead_afalg_one(void *p, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv) {
    struct aead_afalg *s = p;
    struct cmsghdr *c = (struct cmsghdr *)(s->control + CMSG_SPACE(4));
    memcpy(((struct af_alg_iv *)CMSG_DATA(c))->iv, iv, IVLEN);
    struct iovec v = {(void *)in, len};
    struct msghdr m = {.msg_iov = &v, .msg_iovlen = len ? 1 : 0, .msg_control = s->control,
                       .msg_controllen = sizeof s->control};
    if (sendmsg(s->op, &m, 0) != (ssize_t)len) return -1;
    size_t got = 0, want = len + TAG;
    while (got < want) {
        ssize_t r = read(s->op, out + got, want - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return 0;
}
