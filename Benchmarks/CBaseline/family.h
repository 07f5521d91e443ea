/* The AEAD and hash/MAC baselines (aead.c, hash.c), dispatched from main.c by algorithm name. */
#ifndef KCAPI_C_BASELINE_FAMILY_H
#define KCAPI_C_BASELINE_FAMILY_H
#include <stddef.h>
#include <stdint.h>

typedef int (*one_msg_fn)(void *state, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv);

/* Bytes a message of `len` produces beyond `len` (AEAD tag), or a hash's whole digest: output buffers get this much
 * room past the input length. */
#define BASELINE_OUTPUT_SLACK 64

void baseline_die(const char *what);

/* gcm(aes) (aes-128-gcm), rfc7539(chacha20,poly1305): 12-byte IV, 16-byte tag, no AAD, encryption. */
int aead_is(const char *alg);
size_t aead_default_key(const char *alg);
void *aead_evp_setup(const char *alg, const uint8_t *key, size_t keylen);
int aead_evp_one(void *state, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv);
void *aead_afalg_setup(const char *alg, const uint8_t *key, size_t keylen);
int aead_afalg_one(void *state, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv);
/* Largest message one AF_ALG AEAD request takes here (the op socket's send buffer), 0 if unknown. */
size_t aead_afalg_limit(void *state);

/* sha256, hmac(sha256): the digest of one message. */
int hash_is(const char *alg);
size_t hash_default_key(const char *alg);
void *hash_evp_setup(const char *alg, const uint8_t *key, size_t keylen);
int hash_evp_one(void *state, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv);
void *hash_afalg_setup(const char *alg, const uint8_t *key, size_t keylen);
int hash_afalg_one(void *state, const uint8_t *in, uint8_t *out, size_t len, const uint8_t *iv);
/* Bytes the last call wrote (tag included / digest size), for --dump. */
size_t family_output_length(const char *alg, size_t len);
#endif
