// KernelCipher: the Linux kernel crypto API's transform / request / completion model for Swift,
// over AF_ALG sockets (libkcapi) or OpenSSL EVP (software engine).
