/*
 * tests/unit/wasi/fake_engine.h — a stand-in for the engine side of
 * kpio_wasm.h, just enough to call the WASI host functions directly: one
 * instance with 64 KiB of linear memory, and a linker that records what is
 * defined. The WASI code under test and the Linux backend are the real ones.
 */
#ifndef FAKE_ENGINE_H
#define FAKE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "kpio_wasm.h"

#define FAKE_MEM_SIZE 65536

struct wasm_instance {
    uint8_t mem[FAKE_MEM_SIZE];
    bool exited;
    int exit_code;
};

extern struct wasm_instance fake_inst;

/* Call the WASI function `name` with its arguments as 64-bit slots; returns
 * its result (the WASI errno), or -1 when it ended the instance. */
int64_t fake_call(const char *name, const uint64_t *args, int nargs);
#define WCALL(name, ...) \
    fake_call(name, (const uint64_t[]){ __VA_ARGS__ }, \
              (int)(sizeof((uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t)))
#define WCALL0(name) fake_call(name, NULL, 0)

/* How many functions were defined, and whether `name` was. */
int fake_defined_count(void);
void fake_reset_linker(void);

#endif
