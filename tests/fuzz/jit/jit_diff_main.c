/*
 * tests/fuzz/jit/jit_diff_main.c — the differential tester as a program:
 *
 *   jit-diff [--seconds N | --modules N] [--seed S] [--save DIR]
 *       generate modules from a seeded PRNG and compare the engines until
 *       the time or count is up; on a divergence save the decision bytes (a
 *       reproducer) to DIR and exit 1
 *   jit-diff ... --replay FILE...
 *       first run saved decision files (regression inputs), in every mode
 *
 * Ends with 'N passed, N failed' (modules that agreed / diverged).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jit_diff.h"
#include "kpio_wasm.h"
#include "wasm_gen.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Runs one decision string in both fuel modes; 0 if they agreed. */
static int run_one(const uint8_t *d, size_t n, uint64_t seed, jit_diff_stats *st, char *rep, size_t rsize)
{
    wasm_gen_out m;
    if (wasm_gen_module(d, n, &m) != 0) {
        snprintf(rep, rsize, "out of memory generating");
        return 1;
    }
    jit_diff_options opt = { 0, false };
    /* one module in four also runs the fuel-metered code, one in four the
     * SSE4.1-only code */
    if ((seed & 3) == 1)
        opt.fuel = 1000000000ull;
    if ((seed & 3) == 2)
        opt.baseline = true;
    int rc = jit_diff_run(m.bytes, m.size, seed, &opt, st, rep, rsize);
    free(m.bytes);
    return rc;
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(len > 0 ? (size_t)len : 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *n = (size_t)len;
    return b;
}

int main(int argc, char **argv)
{
    double seconds = 0;
    uint64_t modules = 0, seed = 1;
    const char *save = NULL;
    int replay = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--modules") && i + 1 < argc)
            modules = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--save") && i + 1 < argc)
            save = argv[++i];
        else if (!strcmp(argv[i], "--replay"))
            replay = i + 1;
        else if (!replay) {
            fprintf(stderr, "usage: jit-diff [--seconds N | --modules N] [--seed S] [--save DIR] | --replay FILE...\n");
            return 2;
        }
    }
    jit_diff_stats st = { 0 };
    char rep[2048];
    unsigned passed = 0, failed = 0;
    if (replay) {
        for (int i = replay; i < argc; i++) {
            size_t n;
            uint8_t *d = read_file(argv[i], &n);
            if (!d) {
                printf("%s: cannot read\n", argv[i]);
                failed++;
                continue;
            }
            /* a replayed input runs in every mode */
            int rc = 0;
            for (uint64_t mode = 0; mode < 3 && !rc; mode++)
                rc = run_one(d, n, mode, &st, rep, sizeof(rep));
            free(d);
            if (rc) {
                printf("%s: DIVERGENCE: %s\n", argv[i], rep);
                failed++;
            } else {
                passed++;
            }
        }
        printf("%d regression inputs replayed\n", argc - replay);
    }
    if (!seconds && !modules && !replay)
        modules = 100;
    double t0 = now(), last = t0;
    uint64_t s = seed;
    static uint8_t d[8192];
    for (uint64_t k = 0; !failed && (modules || seconds); k++) {
        if (modules && k >= modules)
            break;
        if (seconds && now() - t0 >= seconds)
            break;
        uint64_t one = splitmix(&s);
        uint64_t t = one;
        size_t n = 64 + splitmix(&t) % (sizeof(d) - 64);
        for (size_t i = 0; i < n; i++)
            d[i] = (uint8_t)splitmix(&t);
        if (run_one(d, n, one, &st, rep, sizeof(rep)) == 0) {
            passed++;
        } else {
            failed++;
            printf("module %llu (seed %llu): DIVERGENCE: %s\n", (unsigned long long)k, (unsigned long long)one, rep);
            if (save) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/diverge-%016llx.bin", save, (unsigned long long)one);
                FILE *f = fopen(path, "wb");
                if (f) {
                    fwrite(d, 1, n, f);
                    fclose(f);
                    printf("saved %s\n", path);
                }
                /* and the module itself, for wasm2wat */
                wasm_gen_out m;
                snprintf(path, sizeof(path), "%s/diverge-%016llx.wasm", save, (unsigned long long)one);
                if (wasm_gen_module(d, n, &m) == 0 && (f = fopen(path, "wb"))) {
                    fwrite(m.bytes, 1, m.size, f);
                    fclose(f);
                    free(m.bytes);
                }
            }
            break;
        }
        if (now() - last >= 60) {
            last = now();
            printf("%.0f s: %u modules agreed, %llu calls\n", last - t0, passed, (unsigned long long)st.calls);
            fflush(stdout);
        }
    }
    printf("%.0f s, %llu modules instantiated, %llu calls (%llu trapped, %llu stopped by fuel)\n", now() - t0,
           (unsigned long long)st.modules, (unsigned long long)st.calls, (unsigned long long)st.traps,
           (unsigned long long)st.inconclusive);
    printf("traps:");
    for (int i = 1; i < 16; i++)
        if (st.by_trap[i])
            printf(" %s %llu;", wasm_trap_message((wasm_trap)i), (unsigned long long)st.by_trap[i]);
    printf("\n%u passed, %u failed\n", passed, failed);
    return failed ? 1 : 0;
}
