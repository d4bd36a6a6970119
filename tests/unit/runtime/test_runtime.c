/*
 * tests/unit/runtime/test_runtime.c — unit tests of the runtime through its
 * public API, for what the spec suite does not reach: error messages with
 * locations, limits, fuel, interrupts from another thread, host functions
 * (exit, failure, re-entry), linking, guard-page and checked bounds, and
 * instance memory release. Modules come from the .wat files next to this
 * file, assembled by wat2wasm into $RUNTIME_UNIT_DIR.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "kpio_wasm.h"

static uint8_t *read_module(const char *name, size_t *size)
{
    const char *dir = getenv("RUNTIME_UNIT_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir ? dir : "build/host/runtime-unit", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return b;
}

static wasm_module *load(const char *name)
{
    size_t size;
    uint8_t *b = read_module(name, &size);
    wasm_error err;
    wasm_module *m = wasm_module_load(b, size, &err);
    free(b);
    if (!m)
        fail_msg("%s: %s", name, err.message);
    return m;
}

/* ---- host functions of "env" ---- */

static wasm_instance *last_caller;

static wasm_trap host_add(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    last_caller = inst;
    results[0] = (uint32_t)(args[0] + args[1]);
    return WASM_TRAP_NONE;
}

static wasm_trap host_exit(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    (void)results;
    wasm_instance_exit(inst, (int)args[0]);
    return WASM_TRAP_HOST;
}

static wasm_trap host_fail(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst;
    (void)env;
    (void)args;
    (void)results;
    return WASM_TRAP_HOST;
}

/* callback(n): calls back into the module's "reenter" with n-1; 100 at 0. */
static wasm_trap callback(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)env;
    uint32_t n = (uint32_t)args[0];
    if (n == 0) {
        results[0] = 100;
        return WASM_TRAP_NONE;
    }
    wasm_value arg = { .type = WASM_I32, .of.i32 = n - 1 }, res;
    wasm_error err;
    if (wasm_call(inst, "reenter", &arg, 1, &res, 1, &err) != WASM_OK)
        return WASM_TRAP_HOST;
    results[0] = res.of.i32 + 1;
    return WASM_TRAP_NONE;
}

static wasm_linker *env_linker(void)
{
    wasm_linker *l = wasm_linker_new();
    assert_int_equal(wasm_linker_define_func(l, "env", "host_add", "(ii)i", host_add, NULL), WASM_OK);
    assert_int_equal(wasm_linker_define_func(l, "env", "host_exit", "(i)", host_exit, NULL), WASM_OK);
    assert_int_equal(wasm_linker_define_func(l, "env", "host_fail", "()", host_fail, NULL), WASM_OK);
    assert_int_equal(wasm_linker_define_func(l, "env", "callback", "(i)i", callback, NULL), WASM_OK);
    return l;
}

/* An instance of m (basic.wasm) linked to "env"; releases m. */
static wasm_instance *instance_of(wasm_module *m, const wasm_limits *limits)
{
    wasm_linker *l = env_linker();
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(m, l, limits, (void *)0x1234, &err);
    if (!inst)
        fail_msg("instantiate: %s", err.message);
    wasm_linker_free(l);
    wasm_module_free(m);          /* the instance keeps what it needs */
    return inst;
}

static wasm_instance *basic(const wasm_limits *limits)
{
    return instance_of(load("basic.wasm"), limits);
}

static wasm_value i32(uint32_t v) { wasm_value x = { .type = WASM_I32, .of.i32 = v }; return x; }

/* Calls an export with up to 2 i32 arguments and one i32 result. */
static wasm_result call_i32(wasm_instance *inst, const char *name, int nargs, uint32_t a, uint32_t b,
                            uint32_t *out, wasm_error *err)
{
    wasm_value args[2] = { i32(a), i32(b) }, res;
    wasm_result r = wasm_call(inst, name, args, (size_t)nargs, &res, out ? 1 : 0, err);
    if (r == WASM_OK && out)
        *out = res.of.i32;
    return r;
}

/* ---- tests ---- */

static void test_calls_and_values(void **state)
{
    (void)state;
    wasm_instance *inst = basic(NULL);
    uint32_t v;
    wasm_error err;
    assert_int_equal(call_i32(inst, "add", 2, 40, 2, &v, &err), WASM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(call_i32(inst, "add", 2, 0xffffffffu, 2, &v, &err), WASM_OK);
    assert_int_equal(v, 1);
    assert_int_equal(call_i32(inst, "fib", 1, 20, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 6765);

    /* multi-value: (i64, f64) -> (f64, i64) */
    wasm_value args[2] = { { .type = WASM_I64, .of.i64 = 0x123456789abcdefull },
                           { .type = WASM_F64, .of.f64 = 0x400921fb54442d18ull } };
    wasm_value res[2];
    assert_int_equal(wasm_call(inst, "swap", args, 2, res, 2, &err), WASM_OK);
    assert_int_equal(res[0].type, WASM_F64);
    assert_true(res[0].of.f64 == 0x400921fb54442d18ull);
    assert_int_equal(res[1].type, WASM_I64);
    assert_true(res[1].of.i64 == 0x123456789abcdefull);

    wasm_value g;
    assert_int_equal(wasm_global_get(inst, "counter", &g), WASM_OK);
    assert_int_equal(g.of.i32, 7);
    assert_ptr_equal(wasm_instance_host_data(inst), (void *)0x1234);
    wasm_instance_free(inst);
}

static void test_call_argument_errors(void **state)
{
    (void)state;
    wasm_instance *inst = basic(NULL);
    wasm_error err;
    uint32_t v;
    assert_int_equal(call_i32(inst, "add", 1, 1, 0, &v, &err), WASM_ERR_ARGS);
    assert_int_equal(call_i32(inst, "nope", 0, 0, 0, NULL, &err), WASM_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "nope"));
    wasm_value args[2] = { { .type = WASM_I64, .of.i64 = 1 }, i32(2) }, res;
    assert_int_equal(wasm_call(inst, "add", args, 2, &res, 1, &err), WASM_ERR_ARGS);
    /* "memory" is not a function */
    assert_int_equal(wasm_call(inst, "memory", NULL, 0, NULL, 0, &err), WASM_ERR_NOT_FOUND);
    assert_null(wasm_instance_export_func(inst, "memory", 6));
    wasm_func *f = wasm_instance_export_func(inst, "add", 3);
    assert_non_null(f);
    wasm_value two[2] = { i32(5), i32(6) };
    assert_int_equal(wasm_call_func(inst, f, two, 2, &res, 1, &err), WASM_OK);
    assert_int_equal(res.of.i32, 11);
    wasm_instance_free(inst);
}

static void test_memory_access(void **state)
{
    (void)state;
    wasm_instance *inst = basic(NULL);
    wasm_error err;
    uint32_t v;
    assert_int_equal(wasm_memory_size(inst), 65536);
    uint8_t *base = wasm_memory_base(inst);
    assert_non_null(base);
    assert_memory_equal(base + 16, "hello", 5);      /* the data segment */
    assert_int_equal(call_i32(inst, "store", 2, 100, 0xdeadbeef, NULL, &err), WASM_OK);
    uint32_t host_view;
    memcpy(&host_view, wasm_memory_base(inst) + 100, 4);
    assert_int_equal(host_view, 0xdeadbeef);
    memcpy(wasm_memory_base(inst) + 200, "\x01\x02\x03\x04", 4);
    assert_int_equal(call_i32(inst, "load", 1, 200, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 0x04030201);

    assert_true(wasm_memory_check(inst, 0, 65536));
    assert_true(wasm_memory_check(inst, 65535, 1));
    assert_true(wasm_memory_check(inst, 65536, 0));
    assert_false(wasm_memory_check(inst, 65536, 1));
    assert_false(wasm_memory_check(inst, 0, 65537));
    assert_false(wasm_memory_check(inst, UINT64_MAX, 2));
    assert_false(wasm_memory_check(inst, 2, UINT64_MAX));
    wasm_instance_free(inst);
}

/* Out-of-bounds accesses trap, in both memory modes, and growing works. */
static void check_bounds(void)
{
    wasm_instance *inst = basic(NULL);
    wasm_error err;
    uint32_t v;
    assert_int_equal(call_i32(inst, "load", 1, 65532, 0, &v, &err), WASM_OK);
    assert_int_equal(call_i32(inst, "load", 1, 65533, 0, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_MEMORY_OOB);
    assert_non_null(strstr(err.message, "out of bounds memory access"));
    assert_int_equal(call_i32(inst, "store", 2, 0xfffffffc, 1, NULL, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_MEMORY_OOB);
    /* the instance stays usable after a trap */
    assert_int_equal(call_i32(inst, "grow", 1, 1, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 1);
    assert_int_equal(wasm_memory_size(inst), 131072);
    assert_int_equal(call_i32(inst, "store", 2, 65536, 77, NULL, &err), WASM_OK);
    assert_int_equal(call_i32(inst, "load", 1, 65536, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 77);
    /* the declared maximum is 4 pages */
    assert_int_equal(call_i32(inst, "grow", 1, 3, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 0xffffffffu);
    assert_int_equal(call_i32(inst, "grow", 1, 2, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 2);
    assert_int_equal(call_i32(inst, "load", 1, 4 * 65536 - 4, 0, &v, &err), WASM_OK);
    assert_int_equal(call_i32(inst, "load", 1, 4 * 65536, 0, &v, &err), WASM_ERR_TRAP);
    wasm_instance_free(inst);
}

static void test_bounds_guarded(void **state)
{
    (void)state;
    check_bounds();
}

static void test_bounds_checked(void **state)
{
    (void)state;
    wasm_runtime_set_checked(true);
    check_bounds();
    /* modules of the two modes do not link together */
    wasm_instance *checked = basic(NULL);
    wasm_runtime_set_checked(false);
    wasm_module *m = load("importer.wasm");
    wasm_linker *l = wasm_linker_new();
    wasm_linker_define_instance(l, "a", checked);
    wasm_error err;
    assert_null(wasm_instantiate(m, l, NULL, NULL, &err));
    assert_int_equal(err.result, WASM_ERR_UNLINKABLE);
    wasm_linker_free(l);
    wasm_module_free(m);
    wasm_instance_free(checked);
}

static void test_limits(void **state)
{
    (void)state;
    wasm_error err;
    uint32_t v;
    /* memory pages */
    wasm_limits lim = { .max_memory_pages = 2 };
    wasm_instance *inst = basic(&lim);
    assert_int_equal(call_i32(inst, "grow", 1, 2, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 0xffffffffu);
    assert_int_equal(call_i32(inst, "grow", 1, 1, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 1);
    wasm_instance_free(inst);
    wasm_module *m = load("bigmem.wasm");
    assert_null(wasm_instantiate(m, NULL, &lim, NULL, &err));
    assert_int_equal(err.result, WASM_ERR_LIMIT);
    wasm_module_free(m);
    /* table elements */
    wasm_limits tl = { .max_table_elements = 5 };
    inst = basic(&tl);
    assert_int_equal(call_i32(inst, "tgrow", 1, 3, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 2);
    assert_int_equal(call_i32(inst, "tgrow", 1, 1, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 0xffffffffu);
    wasm_instance_free(inst);
    /* call depth */
    wasm_limits dl = { .max_call_depth = 50 };
    inst = basic(&dl);
    assert_int_equal(call_i32(inst, "recurse", 1, 0, 0, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_STACK_EXHAUSTED);
    assert_int_equal(call_i32(inst, "fib", 1, 15, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 610);
    wasm_instance_free(inst);
    /* the default depth stops unbounded recursion too */
    inst = basic(NULL);
    assert_int_equal(call_i32(inst, "recurse", 1, 0, 0, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_STACK_EXHAUSTED);
    wasm_instance_free(inst);
}

static void test_fuel(void **state)
{
    (void)state;
    wasm_error err;
    uint32_t v;
    wasm_limits lim = { .fuel = 100000 };
    wasm_instance *inst = basic(&lim);
    assert_int_equal(call_i32(inst, "spin", 0, 0, 0, NULL, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_OUT_OF_FUEL);
    assert_int_equal(wasm_instance_fuel(inst), 0);
    wasm_value g;
    wasm_global_get(inst, "counter", &g);
    assert_true(g.of.i32 > 7 + 1000);            /* it ran for a while */
    assert_true(g.of.i32 < 7 + 100000);          /* and was metered */
    assert_int_equal(call_i32(inst, "add", 2, 1, 2, &v, &err), WASM_ERR_TRAP);   /* empty */
    wasm_instance_free(inst);

    /* calls are metered even without loops */
    wasm_limits small = { .fuel = 1000 };
    inst = basic(&small);
    assert_int_equal(call_i32(inst, "fib", 1, 25, 0, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_OUT_OF_FUEL);
    wasm_instance_free(inst);

    wasm_limits plenty = { .fuel = 1000000 };
    inst = basic(&plenty);
    assert_int_equal(call_i32(inst, "fib", 1, 10, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 55);
    uint64_t left = wasm_instance_fuel(inst);
    assert_true(left < 1000000 && left > 1000000 - 10000);
    wasm_instance_free(inst);

    inst = basic(NULL);
    assert_int_equal(wasm_instance_fuel(inst), UINT64_MAX);
    wasm_instance_free(inst);
}

struct interrupter {
    wasm_instance *inst;
    useconds_t delay;
};

static void *interrupt_later(void *arg)
{
    struct interrupter *it = arg;
    usleep(it->delay);
    wasm_instance_interrupt(it->inst);
    return NULL;
}

static void test_interrupt_from_thread(void **state)
{
    (void)state;
    wasm_instance *inst = basic(NULL);
    wasm_error err;
    uint32_t v;
    struct interrupter it = { inst, 50000 };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, interrupt_later, &it), 0);
    /* runs forever unless the interrupt stops it */
    assert_int_equal(call_i32(inst, "spin", 0, 0, 0, NULL, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_INTERRUPTED);
    pthread_join(th, NULL);
    /* the flag is consumed: the instance works again */
    assert_int_equal(call_i32(inst, "add", 2, 1, 2, &v, &err), WASM_OK);
    /* an interrupt between calls stops the next call */
    wasm_instance_interrupt(inst);
    assert_int_equal(call_i32(inst, "add", 2, 1, 2, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_INTERRUPTED);
    assert_int_equal(call_i32(inst, "add", 2, 1, 2, &v, &err), WASM_OK);
    assert_int_equal(v, 3);
    wasm_instance_free(inst);
}

/* ---- the JIT: runaway instances, W^X ---- */

/* An instance of basic.wasm whose functions are compiled (asserted). */
static wasm_instance *basic_jit(void)
{
    wasm_runtime_set_engine(WASM_ENGINE_JIT);
    wasm_module *m = load("basic.wasm");
    wasm_runtime_set_engine(WASM_ENGINE_DEFAULT);
    assert_int_equal(wasm_module_engine(m), WASM_ENGINE_JIT);
    return instance_of(m, NULL);
}


struct stopper {
    wasm_instance *inst;
    clockid_t victim_cpu;       /* the CPU clock of the thread running wasm */
    double wall_at, cpu_at;     /* when the interrupt was raised */
};

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static void *stop_after_20ms(void *arg)
{
    struct stopper *s = arg;
    usleep(20000);
    s->cpu_at = clock_s(s->victim_cpu);
    s->wall_at = clock_s(CLOCK_MONOTONIC);
    wasm_instance_interrupt(s->inst);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Issue 7: compiled code that never returns ("spin": a loop with no call;
 * fib(60): calls, checked at function entry) is stopped by
 * wasm_instance_interrupt from another thread within 10 ms. The bound is
 * checked on the CPU time the running thread spent after the interrupt
 * (immune to the host's scheduling) in every trial, and on the median wall
 * time over the trials. */
static void test_jit_interrupt_latency(void **state)
{
    (void)state;
    if (!wasm_runtime_jit_available())
        skip();
    wasm_instance *inst = basic_jit();
    const char *funcs[2] = { "spin", "fib" };
    enum { TRIALS = 5 };
    for (int f = 0; f < 2; f++) {
        double wall[TRIALS], cpu_max = 0;
        for (int t = 0; t < TRIALS; t++) {
            struct stopper s = { .inst = inst };
            assert_int_equal(pthread_getcpuclockid(pthread_self(), &s.victim_cpu), 0);
            pthread_t th;
            assert_int_equal(pthread_create(&th, NULL, stop_after_20ms, &s), 0);
            wasm_error err;
            uint32_t v;
            wasm_result r = call_i32(inst, funcs[f], f, 60, 0, f ? &v : NULL, &err);
            double cpu_end = clock_s(s.victim_cpu), wall_end = clock_s(CLOCK_MONOTONIC);
            pthread_join(th, NULL);
            assert_int_equal(r, WASM_ERR_TRAP);
            assert_int_equal(err.trap, WASM_TRAP_INTERRUPTED);
            wall[t] = wall_end - s.wall_at;
            double cpu = cpu_end - s.cpu_at;
            if (cpu > cpu_max)
                cpu_max = cpu;
            assert_true(cpu < 0.010);
        }
        qsort(wall, TRIALS, sizeof(double), cmp_double);
        print_message("JIT %s stopped: median %.3f ms wall after the interrupt, max %.3f ms CPU\n",
                      funcs[f], wall[TRIALS / 2] * 1e3, cpu_max * 1e3);
        assert_true(wall[TRIALS / 2] < 0.010);
    }
    wasm_instance_free(inst);
}

/* Issue 7, W^X: with compiled modules loaded and run, no mapping of the
 * process is writable and executable at once, and the code sits in an
 * executable mapping that is not writable. */
static void test_jit_code_never_wx(void **state)
{
    (void)state;
    if (!wasm_runtime_jit_available())
        skip();
    wasm_instance *inst = basic_jit();
    wasm_error err;
    uint32_t v;
    assert_int_equal(call_i32(inst, "add", 2, 40, 2, &v, &err), WASM_OK);
    assert_int_equal(v, 42);
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    int executable_anon = 0;
    while (fgets(line, sizeof(line), f)) {
        char perms[8] = "";
        unsigned long inode = 1;
        assert_int_equal(sscanf(line, "%*lx-%*lx %7s %*s %*s %lu", perms, &inode), 2);
        if (perms[1] == 'w' && perms[2] == 'x')
            fail_msg("writable and executable: %s", line);
        if (perms[2] == 'x' && inode == 0 && !strchr(line, '['))   /* not [vdso] */
            executable_anon++;
    }
    fclose(f);
    assert_true(executable_anon >= 1);      /* the module's code */
    wasm_instance_free(inst);
}

static void test_host_functions(void **state)
{
    (void)state;
    wasm_instance *inst = basic(NULL);
    wasm_error err;
    uint32_t v;
    last_caller = NULL;
    assert_int_equal(call_i32(inst, "call_host_add", 2, 20, 22, &v, &err), WASM_OK);
    assert_int_equal(v, 42);
    assert_ptr_equal(last_caller, inst);
    /* exit */
    assert_int_equal(call_i32(inst, "exit_with", 1, 42, 0, NULL, &err), WASM_ERR_EXIT);
    assert_int_equal(err.exit_code, 42);
    /* a failing host function traps the call */
    assert_int_equal(call_i32(inst, "fail", 0, 0, 0, NULL, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_HOST);
    /* re-entry: host -> wasm -> host -> ... five levels deep */
    assert_int_equal(call_i32(inst, "reenter", 1, 5, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 105);
    /* nesting is bounded: a deep chain traps instead of overflowing */
    assert_int_equal(call_i32(inst, "reenter", 1, 100000, 0, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(call_i32(inst, "add", 2, 2, 2, &v, &err), WASM_OK);
    assert_int_equal(v, 4);
    wasm_instance_free(inst);
}

static void test_traps(void **state)
{
    (void)state;
    wasm_instance *inst = basic(NULL);
    wasm_error err;
    uint32_t v;
    assert_int_equal(call_i32(inst, "div", 2, 7, 0, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_DIV_ZERO);
    assert_int_equal(call_i32(inst, "div", 2, 0x80000000u, 0xffffffffu, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_INT_OVERFLOW);
    assert_int_equal(call_i32(inst, "indirect", 2, 1, 21, &v, &err), WASM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(call_i32(inst, "indirect", 2, 0, 21, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_SIGNATURE);
    assert_int_equal(call_i32(inst, "indirect", 2, 2, 21, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_TABLE_OOB);
    assert_int_equal(call_i32(inst, "tgrow", 1, 1, 0, &v, &err), WASM_OK);
    assert_int_equal(call_i32(inst, "indirect", 2, 2, 21, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_INDIRECT_NULL);
    wasm_instance_free(inst);
}

/* Errors name the section, the function and the byte offset. */
static void test_error_locations(void **state)
{
    (void)state;
    size_t size;
    wasm_error err;
    uint8_t *b = read_module("invalid.wasm", &size);
    assert_null(wasm_module_load(b, size, &err));
    assert_int_equal(err.result, WASM_ERR_INVALID);
    assert_non_null(strstr(err.message, "section code"));
    assert_non_null(strstr(err.message, "function 2"));
    assert_non_null(strstr(err.message, "offset 0x"));
    assert_non_null(strstr(err.message, "type mismatch"));
    assert_int_equal(wasm_module_validate(b, size, &err), WASM_ERR_INVALID);
    free(b);

    b = read_module("basic.wasm", &size);
    assert_int_equal(wasm_module_validate(b, size, &err), WASM_OK);
    /* truncated inside a section: malformed, with an offset (a cut at a
     * section boundary can leave a valid module) */
    size_t ends[32], nends = 0, pos = 8;
    while (pos < size && nends < 32) {
        size_t len = 0, shift = 0, p = pos + 1;
        while (b[p] & 0x80)
            len |= (size_t)(b[p++] & 0x7f) << shift, shift += 7;
        len |= (size_t)b[p++] << shift;
        ends[nends++] = pos = p + len;
    }
    for (size_t cut = 9; cut < size; cut += 13) {
        bool boundary = false;
        for (size_t i = 0; i < nends; i++)
            boundary |= cut == ends[i];
        if (boundary)
            continue;
        assert_null(wasm_module_load(b, cut, &err));
        assert_int_equal(err.result, WASM_ERR_MALFORMED);
        assert_non_null(strstr(err.message, "offset 0x"));
    }
    uint8_t *copy = malloc(size);
    memcpy(copy, b, size);
    copy[0] = 'X';
    assert_null(wasm_module_load(copy, size, &err));
    assert_non_null(strstr(err.message, "magic header not detected"));
    memcpy(copy, b, size);
    copy[4] = 2;
    assert_null(wasm_module_load(copy, size, &err));
    assert_non_null(strstr(err.message, "unknown binary version"));
    memcpy(copy, b, size);
    copy[8] = 13;      /* the first section id */
    assert_null(wasm_module_load(copy, size, &err));
    assert_int_equal(err.result, WASM_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "malformed section id"));
    assert_non_null(strstr(err.message, "offset 0x8:"));
    free(copy);
    free(b);
}

static void test_linking(void **state)
{
    (void)state;
    wasm_module *m = load("basic.wasm");
    wasm_error err;
    /* nothing to link with */
    assert_null(wasm_instantiate(m, NULL, NULL, NULL, &err));
    assert_int_equal(err.result, WASM_ERR_UNLINKABLE);
    assert_non_null(strstr(err.message, "\"env\".\"host_add\""));
    /* a signature that does not match */
    wasm_linker *l = wasm_linker_new();
    wasm_linker_define_func(l, "env", "host_add", "(iI)i", host_add, NULL);
    assert_null(wasm_instantiate(m, l, NULL, NULL, &err));
    assert_int_equal(err.result, WASM_ERR_UNLINKABLE);
    assert_non_null(strstr(err.message, "incompatible import type"));
    assert_int_equal(wasm_linker_define_func(l, "env", "x", "(q)", host_add, NULL), WASM_ERR_ARGS);
    assert_int_equal(wasm_linker_define_func(l, "env", "x", "ii", host_add, NULL), WASM_ERR_ARGS);
    wasm_linker_free(l);

    /* reflection */
    assert_int_equal(wasm_module_import_count(m), 4);
    wasm_extern_info info;
    assert_true(wasm_module_import(m, 3, &info));
    assert_string_equal(info.module, "env");
    assert_string_equal(info.name, "callback");
    assert_int_equal(info.kind, WASM_EXTERN_FUNC);
    assert_false(wasm_module_import(m, 4, &info));
    bool saw_memory = false;
    for (uint32_t i = 0; i < wasm_module_export_count(m); i++) {
        assert_true(wasm_module_export(m, i, &info));
        if (!strcmp(info.name, "memory"))
            saw_memory = info.kind == WASM_EXTERN_MEMORY;
    }
    assert_true(saw_memory);
    wasm_module_free(m);

    /* instance-to-instance: memory, global and function, kept alive by the importer */
    wasm_instance *a = basic(NULL);
    l = wasm_linker_new();
    wasm_linker_define_instance(l, "a", a);
    m = load("importer.wasm");
    wasm_instance *b = wasm_instantiate(m, l, NULL, NULL, &err);
    assert_non_null(b);
    wasm_linker_free(l);
    wasm_module_free(m);
    uint32_t v;
    assert_int_equal(call_i32(b, "poke", 2, 300, 4242, NULL, &err), WASM_OK);
    assert_int_equal(call_i32(a, "load", 1, 300, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 4242);
    assert_int_equal(call_i32(b, "bump", 0, 0, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 107);
    wasm_value g;
    wasm_global_get(a, "counter", &g);
    assert_int_equal(g.of.i32, 107);
    wasm_instance_free(a);        /* b still holds a */
    assert_int_equal(call_i32(b, "bump", 0, 0, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 207);
    wasm_instance_free(b);
}

/* A module the JIT compiles gets no interpreter code at load; an
 * interpreted instance that calls one of its functions makes that code on
 * the first call (module.c, wasm_module_prepare_interp) and gets the same
 * results as the compiled code. */
static void test_jit_module_called_by_interpreter(void **state)
{
    (void)state;
    wasm_instance *a = basic_jit();
    wasm_linker *l = wasm_linker_new();
    wasm_linker_define_instance(l, "a", a);
    wasm_runtime_set_engine(WASM_ENGINE_INTERP);
    wasm_module *m = load("importer.wasm");
    wasm_runtime_set_engine(WASM_ENGINE_DEFAULT);
    assert_int_equal(wasm_module_engine(m), WASM_ENGINE_INTERP);
    wasm_error err;
    wasm_instance *b = wasm_instantiate(m, l, NULL, NULL, &err);
    assert_non_null(b);
    wasm_linker_free(l);
    wasm_module_free(m);
    uint32_t v;
    for (int i = 1; i <= 3; i++) {     /* the first call makes the code, the others reuse it */
        assert_int_equal(call_i32(b, "bump", 0, 0, 0, &v, &err), WASM_OK);
        assert_int_equal(v, 7u + 100u * (uint32_t)i);
    }
    /* the compiled code of the same module still runs and agrees */
    assert_int_equal(call_i32(a, "add", 2, 40, 2, &v, &err), WASM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(call_i32(a, "fib", 1, 20, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 6765);
    wasm_instance_free(b);
    wasm_instance_free(a);
}

/* Each instance reserves 8 GiB of address space: 20000 of them only fit in
 * the 128 TiB of a 47-bit address space if freeing releases them. */
static void test_instance_release(void **state)
{
    (void)state;
    wasm_module *m = load("basic.wasm");
    wasm_linker *l = env_linker();
    wasm_error err;
    for (int i = 0; i < 20000; i++) {
        wasm_instance *inst = wasm_instantiate(m, l, NULL, NULL, &err);
        if (!inst)
            fail_msg("instance %d: %s", i, err.message);
        if (i % 1000 == 0) {
            uint32_t v;
            assert_int_equal(call_i32(inst, "add", 2, (uint32_t)i, 1, &v, &err), WASM_OK);
            assert_int_equal(v, (uint32_t)i + 1);
        }
        wasm_instance_free(inst);
    }
    wasm_linker_free(l);
    wasm_module_free(m);
}

/* The shapes the translator fuses (fused.wat), against results computed
 * here; run by the interpreter (the default engine may be the JIT). */
static void test_fused_code(void **state)
{
    (void)state;
    wasm_runtime_set_engine(WASM_ENGINE_INTERP);
    wasm_module *m = load("fused.wasm");
    wasm_runtime_set_engine(WASM_ENGINE_DEFAULT);
    assert_int_equal(wasm_module_engine(m), WASM_ENGINE_INTERP);
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(m, NULL, NULL, NULL, &err);
    assert_non_null(inst);
    wasm_module_free(m);
    wasm_value args[4], res;
#define CALL(name, n, ...) do { \
        uint32_t a_[] = { __VA_ARGS__ }; \
        for (int k_ = 0; k_ < (n); k_++) args[k_] = i32(a_[k_]); \
        assert_int_equal(wasm_call(inst, name, args, (n), &res, 1, &err), WASM_OK); \
    } while (0)

    uint32_t sum = 0, i = 0;
    do { sum += i; i += 1; } while (i != 100);
    CALL("loop_ne", 3, 0, 100, 1);
    assert_int_equal(res.of.i32, sum);
    sum = 0, i = 10;
    do { sum += i; i += 7; } while (i != 45);
    CALL("loop_ne", 3, 10, 45, 7);
    assert_int_equal(res.of.i32, sum);
    sum = 0, i = 0xfffffff0u;            /* wraps past zero */
    do { sum += i; i += 3; } while (i < 1000u);
    CALL("loop_lt_u_imm", 1, 0xfffffff0u);
    assert_int_equal(res.of.i32, sum);
    int32_t si = 100, lim = -50;
    uint32_t n = 0;
    do { n++; si -= 7; } while (si > lim);
    CALL("loop_gt_s", 2, 100, (uint32_t)-50);
    assert_int_equal(res.of.i32, n);
    CALL("loop_gt_s", 2, 5, 10);
    assert_int_equal(res.of.i32, 1);
    n = 0, i = 3;
    for (;;) { n++; i += 5; if (!(i <= 100u)) break; }
    CALL("loop_le_u_exit", 1, 3);
    assert_int_equal(res.of.i32, n);
    CALL("loop_self_compare", 1, 41);
    assert_int_equal(res.of.i32, 1);

    uint8_t *mem = wasm_memory_base(inst);
    uint32_t bytes = 0;
    for (int k = 0; k < 300; k++) {
        mem[1000 + k] = (uint8_t)(k * 37 + 11);
        bytes += mem[1000 + k];
    }
    CALL("sum_bytes", 2, 1000, 300);
    assert_int_equal(res.of.i32, bytes);
    memcpy(mem + 0x14, "\x78\x56\x34\x12", 4);
    CALL("load_wrap", 2, 0xfffffff0u, 0x20);          /* (u32)(a + b) = 0x10, + 4 */
    assert_int_equal(res.of.i32, 0x12345678);
    args[0] = i32(0xffffffffu);
    args[1] = i32(0);
    assert_int_equal(wasm_call(inst, "load_wrap", args, 2, &res, 1, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_MEMORY_OOB);   /* the offset does not wrap */
    memcpy(mem + 104, "\x01\x00\x00\x80", 4);
    CALL("load_addimm", 1, 100);
    assert_int_equal(res.of.i32, 0x80000001u);
    args[0] = i32(2);                                  /* (u32)(2 - 4) + 8 is past 4 GiB */
    assert_int_equal(wasm_call(inst, "load_addimm", args, 1, &res, 1, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_MEMORY_OOB);

    args[0] = i32(2000);
    assert_int_equal(wasm_call(inst, "store_const", args, 1, NULL, 0, &err), WASM_OK);
    assert_int_equal(mem[2000], 0xff);
    assert_int_equal(mem[2002] | mem[2003] << 8, 0x2345);
    uint64_t q;
    memcpy(&q, mem + 2008, 8);
    assert_true(q == (uint64_t)-2);
    uint32_t w;
    memcpy(&w, mem + 2016, 4);
    assert_int_equal(w, 77);

    /* loads fused into operations: values at 4000.. and at 3000 */
    uint32_t m32[7] = { 0x01020304, 0x9e3779b9, 0x00ff00ff, 0x0ffffff0, 12345, 0x7fffffff, 99 };
    uint64_t m64[7] = { 0x0102030405060708ull, 0x9e3779b97f4a7c15ull, 0x00ff00ff00ff00ffull,
                        0x0ffffffffffffff0ull, 1234567890123ull, 0x7fffffffffffffffull, 77 };
    memcpy(mem + 3000, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    uint32_t at3000;
    uint64_t at3000_64;
    memcpy(&at3000, mem + 3000, 4);
    memcpy(&at3000_64, mem + 3000, 8);
    memcpy(mem + 4000, m32, sizeof(m32));
    uint32_t x = 0xdeadbeef;
    uint32_t r = ((((x + m32[0]) * m32[1]) | m32[2]) & m32[3]) - m32[4];
    r = (r ^ (m32[5] * x)) ^ ((m32[6] - x) ^ at3000);
    CALL("load_ops_i32", 2, 4000, x);
    assert_int_equal(res.of.i32, r);
    memcpy(mem + 4000, m64, sizeof(m64));
    uint64_t x64 = 0x1234567890abcdefull;
    uint64_t r64 = ((((x64 + m64[0]) * m64[1]) | m64[2]) & m64[3]) - m64[4];
    r64 = (r64 ^ (m64[5] + x64)) ^ ((m64[6] - x64) ^ at3000_64);
    args[0] = i32(4000);
    args[1] = (wasm_value){ .type = WASM_I64, .of.i64 = x64 };
    assert_int_equal(wasm_call(inst, "load_ops_i64", args, 2, &res, 1, &err), WASM_OK);
    assert_true(res.of.i64 == r64);
    float f[6] = { 1.5f, -2.25f, 0.1f, 3.0f, 7.75f, -0.5f }, fx = 0.3f;
    memcpy(mem + 4000, f, sizeof(f));
    float fr = ((((fx + f[0]) * f[1]) - f[2]) / f[3]) + ((f[4] * fx) - (f[5] / fx));
    args[1] = (wasm_value){ .type = WASM_F32 };
    memcpy(&args[1].of.f32, &fx, 4);
    assert_int_equal(wasm_call(inst, "load_ops_f32", args, 2, &res, 1, &err), WASM_OK);
    uint32_t fbits;
    memcpy(&fbits, &fr, 4);
    assert_int_equal(res.of.f32, fbits);
    double d[6] = { 1.5, -2.25, 0.1, 3.0, 7.75, -0.5 }, dx = 0.3;
    memcpy(mem + 4000, d, sizeof(d));
    double dr = ((((dx + d[0]) * d[1]) - d[2]) / d[3]) + ((d[4] * dx) - (d[5] / 3.0));
    args[1] = (wasm_value){ .type = WASM_F64 };
    memcpy(&args[1].of.f64, &dx, 8);
    assert_int_equal(wasm_call(inst, "load_ops_f64", args, 2, &res, 1, &err), WASM_OK);
    uint64_t dbits;
    memcpy(&dbits, &dr, 8);
    assert_true(res.of.f64 == dbits);
    args[0] = i32(65534);
    assert_int_equal(wasm_call(inst, "load_op_oob", args, 1, &res, 1, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_MEMORY_OOB);

    uint32_t a = 1, b = 2, c = 3;
    for (int k = 0; k < 7; k++) {
        uint32_t tmp = a;
        a = b;
        b = c;
        c = tmp;
    }
    CALL("rotate", 4, 1, 2, 3, 7);
    assert_int_equal(res.of.i32, a * 100 + b * 10 + c);

    /* constant shifts fused into xor/or/add/and */
    static const uint32_t xs[] = { 0, 1, 0x80000001u, 0xdeadbeefu, 0x12345678u };
    static const uint32_t ys[] = { 0, 0xffffffffu, 0x80000000u, 0x9e3779b9u, 0x0f0f1234u };
#define ROTL(v, k) ((uint32_t)((v) << (k)) | (uint32_t)((v) >> ((32 - (k)) & 31)))
    for (int k = 0; k < 5; k++) {
        uint32_t x = xs[k], y = ys[k];
        CALL("xor_rotl", 2, x, y);
        assert_int_equal(res.of.i32, x ^ ROTL(y, 7));
        CALL("rotr_xor", 2, x, y);
        assert_int_equal(res.of.i32, ROTL(y, 19) ^ x);
        CALL("xor_shr_u", 2, x, y);
        assert_int_equal(res.of.i32, x ^ (y >> 3));
        CALL("shl_or", 2, x, y);
        assert_int_equal(res.of.i32, (uint32_t)(y << 24) | x);
        CALL("or_shr_u", 2, x, y);
        assert_int_equal(res.of.i32, x | (y >> 31));
        CALL("or_rotr0", 2, x, y);
        assert_int_equal(res.of.i32, x | y);
        CALL("add_shl", 2, x, y);
        assert_int_equal(res.of.i32, x + (uint32_t)(y << 2));
        CALL("rotl_add_rotl", 2, x, y);
        assert_int_equal(res.of.i32, ROTL(x, 1) + ROTL(y, 31));
        CALL("add_shr_u", 2, x, y);
        assert_int_equal(res.of.i32, x * 3 + (y >> 5));
        CALL("shr_u_and", 2, x, y);
        assert_int_equal(res.of.i32, (y >> 8) & x);
        CALL("and_shl", 2, x, y);
        assert_int_equal(res.of.i32, x & (uint32_t)(y << 4));
        CALL("and_rotl", 2, x, y);
        assert_int_equal(res.of.i32, x & ROTL(y, 9));
        CALL("rotl_xor_const", 2, x, y);
        assert_int_equal(res.of.i32, ROTL(y, 5) ^ 0x1234);
        CALL("sigma1", 2, x, y);
        assert_int_equal(res.of.i32, x + (ROTL(y, 26) ^ ROTL(y, 21) ^ ROTL(y, 7)));
        CALL("shift_tee", 2, x, y);
        assert_int_equal(res.of.i32, (x ^ (uint32_t)(y << 3)) + (uint32_t)(y << 3));
    }
#undef ROTL

    CALL("br_table_loop", 1, 10);
    assert_int_equal(res.of.i32, 10);

    /* pairs of i32 operations fused: (x OP1 y) OP2 z for all 16 pairs */
    for (int k = 0; k < 5; k++) {
        uint32_t x = xs[k], y = ys[k], z = ys[(k + 2) % 5] ^ 0x5a5a0f0fu;
        for (uint32_t op = 0; op < 16; op++) {
            uint32_t r1 = (op & 3) == 0 ? x + y : (op & 3) == 1 ? x & y : (op & 3) == 2 ? x | y : x ^ y;
            uint32_t r2 = op >> 2 == 0 ? r1 + z : op >> 2 == 1 ? r1 & z : op >> 2 == 2 ? r1 | z : r1 ^ z;
            CALL("pair", 4, x, y, z, op);
            assert_int_equal(res.of.i32, r2);
        }
        CALL("pair_chain", 4, x, y, z, ys[(k + 1) % 5]);
        assert_int_equal(res.of.i32, (((x + y) ^ z) & ys[(k + 1) % 5]) + 0);
    }
#undef CALL
    wasm_instance_free(inst);
}

/* Declared locals read before a write that always runs see zero although
 * frames are not cleared (the callee's prologue zeroes what it needs), and
 * constant addresses go through the frame's zero slot (locals.wat). */
static void check_locals_start_at_zero(wasm_engine engine)
{
    wasm_runtime_set_engine(engine);
    wasm_module *m = load("locals.wasm");
    wasm_runtime_set_engine(WASM_ENGINE_DEFAULT);
    wasm_error err;
    wasm_instance *inst = wasm_instantiate(m, NULL, NULL, NULL, &err);
    assert_non_null(inst);
    wasm_module_free(m);
    uint32_t v;
    assert_int_equal(call_i32(inst, "run_loop_acc", 0, 0, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 3);
    assert_int_equal(call_i32(inst, "run_skipped", 1, 1, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(call_i32(inst, "run_skipped", 1, 0, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 5);
    assert_int_equal(wasm_call(inst, "dirty", NULL, 0, NULL, 0, &err), WASM_OK);
    assert_int_equal(call_i32(inst, "skipped", 1, 1, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(call_i32(inst, "run_zero_store", 0, 0, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 8);
    assert_int_equal(call_i32(inst, "run_written", 0, 0, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 19);
    wasm_value res;
    assert_int_equal(wasm_call(inst, "run_wide", NULL, 0, &res, 1, &err), WASM_OK);
    assert_true(res.of.i64 == 0);
    assert_int_equal(call_i32(inst, "run_const_addr", 0, 0, 0, &v, &err), WASM_OK);
    assert_int_equal(v, 0x11223344u + 0x55000000u);
    uint8_t *mem = wasm_memory_base(inst);
    assert_int_equal(mem[32] | mem[33] << 8 | mem[34] << 16 | (uint32_t)mem[35] << 24, 0x11223344u);
    assert_int_equal(mem[43], 0x55);
    assert_int_equal(call_i32(inst, "run_const_addr_oob", 0, 0, 0, &v, &err), WASM_ERR_TRAP);
    assert_int_equal(err.trap, WASM_TRAP_MEMORY_OOB);
    wasm_instance_free(inst);
}

/* ... on the interpreter (where a call may zero one slot itself) and on the
 * default engine. */
static void test_locals_start_at_zero(void **state)
{
    (void)state;
    check_locals_start_at_zero(WASM_ENGINE_INTERP);
    check_locals_start_at_zero(WASM_ENGINE_DEFAULT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calls_and_values),
        cmocka_unit_test(test_call_argument_errors),
        cmocka_unit_test(test_memory_access),
        cmocka_unit_test(test_bounds_guarded),
        cmocka_unit_test(test_bounds_checked),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_fuel),
        cmocka_unit_test(test_interrupt_from_thread),
        cmocka_unit_test(test_jit_interrupt_latency),
        cmocka_unit_test(test_jit_code_never_wx),
        cmocka_unit_test(test_host_functions),
        cmocka_unit_test(test_traps),
        cmocka_unit_test(test_error_locations),
        cmocka_unit_test(test_linking),
        cmocka_unit_test(test_jit_module_called_by_interpreter),
        cmocka_unit_test(test_instance_release),
        cmocka_unit_test(test_fused_code),
        cmocka_unit_test(test_locals_start_at_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
