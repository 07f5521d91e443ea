// Includes only: libkcapi and the kernel UAPI the AF_ALG engine drives directly.
#ifndef CKCAPI_SHIM_H
#define CKCAPI_SHIM_H
#include <kcapi.h>
#include <linux/if_alg.h>
#include <linux/aio_abi.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <poll.h>
#endif
