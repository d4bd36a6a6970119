/*
 * runtime/wasi/wasi.h — WASI Preview 1 (wasi_snapshot_preview1) for an
 * embedder of the KPIO runtime: the hosted kpio-wasm CLI and, later, the
 * kernel. The embedder builds a context (arguments, environment, stdio,
 * preopened directories and sockets) over a backend (wasi_backend.h), links
 * all of WASI's functions into a wasm_linker, instantiates and calls _start.
 *
 * Setup functions return 0 or a negative errno.
 */
#ifndef WASI_H
#define WASI_H

#include <stdbool.h>
#include "kpio_wasm.h"
#include "wasi_backend.h"

typedef struct wasi_ctx wasi_ctx;

/* A context over `backend` (copied; backend->data is kept). NULL when out of
 * memory. */
wasi_ctx *wasi_ctx_new(const wasi_backend *backend);
/* Close everything the context owns and free it. */
void wasi_ctx_free(wasi_ctx *ctx);

/* Arguments (argv[0] is the program name) and environment ("KEY=VALUE"). */
int wasi_ctx_set_args(wasi_ctx *ctx, int argc, const char *const *argv);
int wasi_ctx_add_env(wasi_ctx *ctx, const char *key_value);

/* Make `h` the guest's fd 0, 1 or 2. `owned`: close it with the context. */
int wasi_ctx_set_stdio(wasi_ctx *ctx, int fd, wasi_handle h, bool owned);
/* Give the guest directory `dir` under `guest_name` at the next free fd
 * (3, 4, ...). The context owns `dir` from then on, even on failure. */
int wasi_ctx_preopen_dir(wasi_ctx *ctx, wasi_handle dir, const char *guest_name);
/* Give the guest an already listening (or connected) stream socket. The
 * context owns it from then on. Returns the guest fd. */
int wasi_ctx_preopen_socket(wasi_ctx *ctx, wasi_handle sock);

/* Define every function of wasi_snapshot_preview1 in `l`, bound to ctx. */
wasm_result wasi_link(wasm_linker *l, wasi_ctx *ctx);

/* After a run that ended through proc_raise: the WASI signal number (else 0). */
int wasi_ctx_raised_signal(const wasi_ctx *ctx);
/* The signal's name without "SIG" ("TERM"), or "?" */
const char *wasi_signal_name(int sig);

#endif
