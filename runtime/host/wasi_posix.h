/*
 * runtime/host/wasi_posix.h — the WASI backend for Linux: handles are file
 * descriptors, every name lookup is openat/fstatat/... relative to a
 * directory descriptor with O_NOFOLLOW / AT_SYMLINK_NOFOLLOW.
 */
#ifndef WASI_POSIX_H
#define WASI_POSIX_H

#include "wasi_backend.h"

/* Fill *out with the Linux implementation. */
void wasi_posix_backend(wasi_backend *out);

#endif
