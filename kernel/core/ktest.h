/*
 * kernel/core/ktest.h — in-kernel tests and benchmarks.
 *
 *   KTEST(frames_no_leak) { ... KT_ASSERT(x == y); ... }
 *   KBENCH(context_switch) { ... kbench_report("ctxsw_round_trip", total_ns, rounds, "ns"); }
 *
 * The macros place a descriptor in the .ktest / .kbench section; nothing else
 * needs registering. `test=NAME[,NAME...]|all` on the kernel command line runs
 * the matching tests once the kernel is fully up (where the monitor would
 * start), one line each, then "ktest: N passed, N failed", then exits QEMU
 * with KPIO_EXIT_PASS or KPIO_EXIT_FAIL; `bench=...` does the same for
 * benchmarks, whose results are lines "bench: METRIC = VALUE UNIT".
 * List items may end in '*' to match a prefix (test=mm_*).
 * `test=boot` is the test that passes as soon as the kernel gets that far.
 */
#ifndef KPIO_KTEST_H
#define KPIO_KTEST_H

#include <stdbool.h>
#include <stdint.h>

struct ktest {
    const char *name;
    void (*fn)(void);
    const char *file;
};

#define KTEST_DEFINE(sect, name)                                                       \
    static void ktest_fn_##name(void);                                                 \
    __attribute__((used, section(sect), aligned(8)))                                   \
    static const struct ktest ktest_desc_##name = { #name, ktest_fn_##name, __FILE__ }; \
    static void ktest_fn_##name(void)

#define KTEST(name)  KTEST_DEFINE(".ktest", name)
#define KBENCH(name) KTEST_DEFINE(".kbench", name)

/* Record a failure of the running test (callable from any thread; the first
 * message is kept). */
void ktest_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool ktest_failed(void);

/* Check and, if false, fail the test and return from the calling function. */
#define KT_ASSERT(cond)                                                  \
    do {                                                                 \
        if (!(cond)) {                                                   \
            ktest_fail(__FILE__, __LINE__, "assertion failed: %s", #cond); \
            return;                                                      \
        }                                                                \
    } while (0)

#define KT_ASSERT_EQ(a, b)                                                          \
    do {                                                                            \
        long long ktest_a_ = (long long)(a), ktest_b_ = (long long)(b);             \
        if (ktest_a_ != ktest_b_) {                                                 \
            ktest_fail(__FILE__, __LINE__, "%s == %s failed: %lld != %lld", #a, #b, \
                       ktest_a_, ktest_b_);                                         \
            return;                                                                 \
        }                                                                           \
    } while (0)

/* Like KT_ASSERT but keeps going (for helper threads that must not return early). */
#define KT_EXPECT(cond)                                                          \
    do {                                                                         \
        if (!(cond))                                                             \
            ktest_fail(__FILE__, __LINE__, "expectation failed: %s", #cond);     \
    } while (0)

/* Print "bench: METRIC = total/count UNIT" with three decimals. */
void kbench_report(const char *metric, uint64_t total, uint64_t count, const char *unit);

/* Run the tests and benchmarks the command line asks for, then exit QEMU.
 * Returns only if the command line asks for neither. */
void ktest_main(void);

#endif
