/*
 * Hash and MAC baselines: the digest of one message, sha256 and hmac(sha256) (32-byte key).
 *
 * evp:   sha256: one EVP_MD_CTX reused; per message EVP_DigestInit_ex(ctx, md, NULL) + EVP_DigestUpdate +
 *        EVP_DigestFinal_ex (EVP_Digest's work without its per-call context allocation).
 *        hmac(sha256): one EVP_MAC_CTX (EVP_MAC "HMAC", digest SHA256) keyed once; per message
 *        EVP_MAC_init(ctx, NULL, 0, NULL) (same key) + EVP_MAC_update + EVP_MAC_final.
 * afalg: raw AF_ALG: socket/bind("hash")/[ALG_SET_KEY]/accept once; per message one send (no MSG_MORE, so the
 *        kernel finalizes) and one read of the digest.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_alg.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include "family.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif
#define DIGEST 32

int hash_is(const char *alg) { return !strcmp(alg, "sha256") || !strcmp(alg, "hmac(sha256)"); }

size_t hash_default_key(const char *alg) { return strcmp(alg, "hmac(sha256)") == 0 ? 32 : 0; }

size_t family_output_length(const char *alg, size_t len) {
    if (hash_is(alg)) return DIGEST;
    if (aead_is(alg)) return len + 16;
    return len;
}

struct hash_evp { EVP_MD_CTX *md_ctx; EVP_MD *md; EVP_MAC_CTX *mac_ctx; };

void *hash_evp_setup(const char *alg, const uint8_t *key, size_t keylen) {
    struct hash_evp *s = calloc(1, sizeof *s);
    if (!strcmp(alg, "sha256")) {
        s->md = EVP_MD_fetch(NULL, "SHA256", NULL);
        s->md_ctx = EVP_MD_CTX_new();
        if (!s->md || !s->md_ctx) baseline_die("EVP_MD_fetch(SHA256) failed");
        return s;
    }
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!mac) baseline_die("EVP_MAC_fetch(HMAC) failed");
    s->mac_ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0), OSSL_PARAM_construct_end()};
    if (!s->mac_ctx || EVP_MAC_init(s->mac_ctx, key, keylen, params) != 1) baseline_die("EVP_MAC_init (key) failed");
    return s;
}

int hash_evp_one(void *p, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv) {
    (void)iv;
    struct hash_evp *s = p;
    if (s->md_ctx) {
        unsigned int n = 0;
        if (EVP_DigestInit_ex(s->md_ctx, s->md, NULL) != 1 || EVP_DigestUpdate(s->md_ctx, in, len) != 1) return -1;
        return EVP_DigestFinal_ex(s->md_ctx, out, &n) == 1 && n == DIGEST ? 0 : -1;
    }
    size_t n = 0;
    if (EVP_MAC_init(s->mac_ctx, NULL, 0, NULL) != 1 || EVP_MAC_update(s->mac_ctx, in, len) != 1) return -1;
    return EVP_MAC_final(s->mac_ctx, out, &n, DIGEST) == 1 && n == DIGEST ? 0 : -1;
}

struct hash_afalg { int tfm, op; };

void *hash_afalg_setup(const char *alg, const uint8_t *key, size_t keylen) {
    struct hash_afalg *s = calloc(1, sizeof *s);
    struct sockaddr_alg sa = {.salg_family = AF_ALG, .salg_type = "hash"};
    snprintf((char *)sa.salg_name, sizeof sa.salg_name, "%s", alg);
    s->tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s->tfm < 0 || bind(s->tfm, (struct sockaddr *)&sa, sizeof sa) != 0) baseline_die("AF_ALG hash socket/bind failed");
    if (keylen && setsockopt(s->tfm, SOL_ALG, ALG_SET_KEY, key, (socklen_t)keylen) != 0) baseline_die("ALG_SET_KEY failed");
    s->op = accept(s->tfm, NULL, NULL);
    if (s->op < 0) baseline_die("accept failed");
    return s;
}

int hash_afalg_one(void *p, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv) {
    (void)iv;
    struct hash_afalg *s = p;
    if (send(s->op, in, len, 0) != (ssize_t)len) return -1;
    return read(s->op, out, DIGEST) == DIGEST ? 0 : -1;
}
