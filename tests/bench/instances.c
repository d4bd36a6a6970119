/*
 * tests/bench/instances.c — what each extra instance of an already loaded
 * module costs: load (decode + validate + compile) once, then create N
 * instances, each with its own WASI context, and report the growth of the
 * resident set and the time per instance.
 *
 *   bench-instances MODULE.wasm N
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench_file.h"
#include "kpio_wasm.h"
#include "wasi.h"
#include "wasi_posix.h"

static long resident_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    if (f)
        fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench-instances MODULE.wasm N\n");
        return 2;
    }
    int n = atoi(argv[2]);
    long size;
    uint8_t *bytes = bench_read_file(argv[1], &size);
    if (!bytes)
        return 1;

    long before_load = resident_kib();
    double t0 = now();
    wasm_error err;
    wasm_module *m = wasm_module_load(bytes, (size_t)size, &err);
    double t1 = now();
    if (!m) {
        fprintf(stderr, "load: %s\n", err.message);
        return 1;
    }
    long after_load = resident_kib();

    wasi_backend be;
    wasi_posix_backend(&be);
    wasm_instance **inst = calloc((size_t)n, sizeof(*inst));
    wasi_ctx **ctx = calloc((size_t)n, sizeof(*ctx));
    wasm_linker **link = calloc((size_t)n, sizeof(*link));
    double t2 = now();
    for (int i = 0; i < n; i++) {
        ctx[i] = wasi_ctx_new(&be);
        for (int fd = 0; fd < 3; fd++)
            wasi_ctx_set_stdio(ctx[i], fd, fd, false);
        link[i] = wasm_linker_new();
        if (!ctx[i] || !link[i] || wasi_link(link[i], ctx[i]) != WASM_OK)
            return 1;
        inst[i] = wasm_instantiate(m, link[i], NULL, ctx[i], &err);
        if (!inst[i]) {
            fprintf(stderr, "instance %d: %s\n", i, err.message);
            return 1;
        }
    }
    double t3 = now();
    long after_instances = resident_kib();
    printf("module %ld bytes: load %.1f ms, +%ld KiB resident\n", size, (t1 - t0) * 1e3,
           after_load - before_load);
    printf("%d instances: %.3f ms and %.1f KiB resident each\n", n, (t3 - t2) * 1e3 / n,
           (double)(after_instances - after_load) / n);
    for (int i = 0; i < n; i++) {
        wasm_instance_free(inst[i]);
        wasm_linker_free(link[i]);
        wasi_ctx_free(ctx[i]);
    }
    wasm_module_free(m);
    free(bytes);
    return 0;
}
