/*
 * tests/bench/compile.c — how fast a module is loaded with and without the
 * JIT: loads MODULE RUNS times with the interpreter chosen (decode +
 * validate + translate for the interpreter) and RUNS times with the JIT
 * (the same, then x86-64 code for every function), alternating, and prints
 * the medians, the JIT's own share (the difference) and what that is in MB
 * of the code section per second. Times are CPU time of the process (the
 * load is single-threaded; on a shared machine wall time mostly measures
 * the other processes); the wall-time figures follow with a _wall suffix.
 *
 *   bench-compile MODULE.wasm RUNS
 *
 * Output, one "key value" per line, for tests/bench/run_bench.py:
 *   module_bytes, code_bytes, interp_load_ms, jit_load_ms, jit_ms,
 *   jit_mb_s (code section MB / jit_ms), load_mb_s (module MB / jit_load_ms),
 *   and jit_load_ms_wall, jit_ms_wall, jit_mb_s_wall
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench_file.h"
#include "kpio_wasm.h"

static double now(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Reads an unsigned LEB128 at *p (not past end); 0 when malformed. */
static uint64_t leb(const uint8_t **p, const uint8_t *end)
{
    uint64_t v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    return 0;
}

/* The size of the code section (id 10, Wasm 2.0 §5.5.13), 0 if none. */
static size_t code_section_size(const uint8_t *bytes, size_t size)
{
    const uint8_t *p = bytes + 8, *end = bytes + size;
    while (p < end) {
        uint8_t id = *p++;
        uint64_t len = leb(&p, end);
        if (len > (uint64_t)(end - p))
            return 0;
        if (id == 10)
            return (size_t)len;
        p += len;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* CPU seconds for one wasm_module_load with engine e (wall seconds to
 * *wall); -1 on failure, or when the JIT was asked for and declined. */
static double load_once(const uint8_t *bytes, size_t size, wasm_engine e, double *wall)
{
    wasm_runtime_set_engine(e);
    wasm_error err;
    double w0 = now(CLOCK_MONOTONIC), t0 = now(CLOCK_PROCESS_CPUTIME_ID);
    wasm_module *m = wasm_module_load(bytes, size, &err);
    double t = now(CLOCK_PROCESS_CPUTIME_ID) - t0;
    *wall = now(CLOCK_MONOTONIC) - w0;
    if (!m) {
        fprintf(stderr, "load: %s\n", err.message);
        return -1;
    }
    if (e == WASM_ENGINE_JIT && wasm_module_engine(m) != WASM_ENGINE_JIT) {
        const char *why = wasm_jit_last_error();
        fprintf(stderr, "the JIT declined the module: %s\n", why ? why : "?");
        t = -1;
    }
    wasm_module_free(m);
    return t;
}

int main(int argc, char **argv)
{
    if (argc != 3 || atoi(argv[2]) < 1) {
        fprintf(stderr, "usage: bench-compile MODULE.wasm RUNS\n");
        return 2;
    }
    int runs = atoi(argv[2]);
    long size;
    uint8_t *bytes = bench_read_file(argv[1], &size);
    if (!bytes)
        return 1;
    if (!wasm_runtime_jit_available()) {
        fprintf(stderr, "no JIT on this machine\n");
        return 1;
    }

    double *t[4];               /* CPU interp, CPU JIT, wall interp, wall JIT */
    for (int k = 0; k < 4; k++)
        if (!(t[k] = calloc((size_t)runs, sizeof(double))))
            return 1;
    for (int r = 0; r < runs; r++) {
        t[0][r] = load_once(bytes, (size_t)size, WASM_ENGINE_INTERP, &t[2][r]);
        t[1][r] = load_once(bytes, (size_t)size, WASM_ENGINE_JIT, &t[3][r]);
        if (t[0][r] < 0 || t[1][r] < 0)
            return 1;
    }
    double mi = median(t[0], runs), mj = median(t[1], runs);
    double wi = median(t[2], runs), wj = median(t[3], runs);
    size_t code = code_section_size(bytes, (size_t)size);
    printf("module_bytes %ld\ncode_bytes %zu\n", size, code);
    printf("interp_load_ms %.1f\njit_load_ms %.1f\njit_ms %.1f\n", mi * 1e3, mj * 1e3,
           (mj - mi) * 1e3);
    printf("jit_mb_s %.1f\nload_mb_s %.1f\n", mj > mi ? code / 1e6 / (mj - mi) : 0.0,
           size / 1e6 / mj);
    printf("jit_load_ms_wall %.1f\njit_ms_wall %.1f\njit_mb_s_wall %.1f\n", wj * 1e3,
           (wj - wi) * 1e3, wj > wi ? code / 1e6 / (wj - wi) : 0.0);
    for (int k = 0; k < 4; k++)
        free(t[k]);
    free(bytes);
    return 0;
}
