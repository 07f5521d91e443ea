// KernelCipher: the Linux kernel crypto API's transform / request / completion model for Swift,
// over AF_ALG sockets (libkcapi) or OpenSSL EVP (software engine).
// Licensed under the Apache License, Version 2.0 (LICENSE at the package root).

#if !os(Linux)
#error("swift-kcapi needs Linux: AF_ALG sockets, libkcapi and the kernel UAPI headers (linux/if_alg.h) exist on no other system")
#endif
