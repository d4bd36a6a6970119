/*
 * tests/bench/compile.c — how fast a module is loaded with and without the
 * JIT. Alternating, RUNS times each: wasm_module_validate (decode +
 * validate), a load with the interpreter chosen (decode + validation and
 * translation for the interpreter, one pass) and a load with the JIT
 * (decode + validation, then x86-64 code for every function; no
 * interpreter code). Prints the medians, the JIT's own share (JIT load
 * minus validation) and what that and the whole JIT load are in MB of the
 * code section per second. Times are CPU time of the process (the load is
 * single-threaded; on a shared machine wall time mostly measures the other
 * processes); the wall-time figures follow with a _wall suffix.
 *
 *   bench-compile MODULE.wasm RUNS
 *
 * Output, one "key value" per line, for tests/bench/run_bench.py:
 *   module_bytes, code_bytes, validate_ms, interp_load_ms, jit_load_ms,
 *   jit_ms, jit_mb_s (code section MB / jit_ms), jit_load_mb_s (code
 *   section MB / jit_load_ms), load_mb_s (module MB / jit_load_ms),
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

/* CPU seconds for one wasm_module_validate (wall seconds to *wall); -1 if
 * the module is not valid. */
static double validate_once(const uint8_t *bytes, size_t size, double *wall)
{
    wasm_error err;
    double w0 = now(CLOCK_MONOTONIC), t0 = now(CLOCK_PROCESS_CPUTIME_ID);
    wasm_result r = wasm_module_validate(bytes, size, &err);
    double t = now(CLOCK_PROCESS_CPUTIME_ID) - t0;
    *wall = now(CLOCK_MONOTONIC) - w0;
    if (r != WASM_OK) {
        fprintf(stderr, "validate: %s\n", err.message);
        return -1;
    }
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

    /* CPU validate, interp, JIT; wall validate, interp, JIT */
    double *t[6];
    for (int k = 0; k < 6; k++)
        if (!(t[k] = calloc((size_t)runs, sizeof(double))))
            return 1;
    for (int r = 0; r < runs; r++) {
        t[0][r] = validate_once(bytes, (size_t)size, &t[3][r]);
        t[1][r] = load_once(bytes, (size_t)size, WASM_ENGINE_INTERP, &t[4][r]);
        t[2][r] = load_once(bytes, (size_t)size, WASM_ENGINE_JIT, &t[5][r]);
        if (t[0][r] < 0 || t[1][r] < 0 || t[2][r] < 0)
            return 1;
    }
    double mv = median(t[0], runs), mi = median(t[1], runs), mj = median(t[2], runs);
    double wv = median(t[3], runs), wj = median(t[5], runs);
    double code = code_section_size(bytes, (size_t)size) / 1e6;
    printf("module_bytes %ld\ncode_bytes %.0f\n", size, code * 1e6);
    printf("validate_ms %.1f\ninterp_load_ms %.1f\njit_load_ms %.1f\njit_ms %.1f\n", mv * 1e3,
           mi * 1e3, mj * 1e3, (mj - mv) * 1e3);
    printf("jit_mb_s %.1f\njit_load_mb_s %.1f\nload_mb_s %.1f\n", mj > mv ? code / (mj - mv) : 0.0,
           code / mj, size / 1e6 / mj);
    printf("jit_load_ms_wall %.1f\njit_ms_wall %.1f\njit_mb_s_wall %.1f\n", wj * 1e3,
           (wj - wv) * 1e3, wj > wv ? code / (wj - wv) : 0.0);
    for (int k = 0; k < 6; k++)
        free(t[k]);
    free(bytes);
    return 0;
}
