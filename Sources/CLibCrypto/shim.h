// Includes only: OpenSSL libcrypto's EVP interface (and RAND, for the software random generator).
#ifndef CLIBCRYPTO_SHIM_H
#define CLIBCRYPTO_SHIM_H
#ifndef __linux__
#error "swift-kcapi needs Linux: AF_ALG sockets, libkcapi and the kernel UAPI headers (linux/if_alg.h) exist on no other system"
#endif
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/params.h>
#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/kdf.h>
#endif
