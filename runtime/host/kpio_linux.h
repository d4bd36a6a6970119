/*
 * runtime/host/kpio_linux.h — the kpio backend for Linux (kpio_linux.c),
 * used by the hosted kpio-wasm.
 */
#ifndef KPIO_LINUX_H
#define KPIO_LINUX_H

#include <stdbool.h>

#include "kpio_host.h"

/* Fill *out. allow_all_network: sockets may reach any address and names
 * resolve through the host; otherwise only the loopback network. */
void kpio_linux_backend(kpio_backend *out, bool allow_all_network);

#endif
