/*
 * kernel/app/app_start.h — the one call the kernel's init sequence makes
 * into user space (kernel/app/app.h has the rest).
 */
#ifndef KPIO_APP_START_H
#define KPIO_APP_START_H

#include <stdbool.h>

/* Set up user space (the runtime's platform, the CSPRNG, /system, the
 * process table) and start the first program (/bin/sh.wasm, or init=PATH)
 * on the console; then the calling thread pumps console input and never
 * returns. Returns false, after saying why, when the kernel monitor should
 * have the console instead: init=monitor, or no first program. */
bool app_start(void);

#endif
