/*
 * tests/unit/kcore/unit.h — shared bits of the kernel-core host unit tests:
 * cmocka, plus a runner that ends with the project's 'N passed, N failed' line.
 */
#ifndef KCORE_UNIT_H
#define KCORE_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

/* Run a cmocka group and print the summary; returns the process status. */
#define UNIT_RUN(tests, setup, teardown)                                              \
    do {                                                                              \
        int failed_ = cmocka_run_group_tests(tests, setup, teardown);                 \
        int total_ = (int)(sizeof(tests) / sizeof((tests)[0]));                       \
        if (failed_ > total_)                                                         \
            failed_ = total_;                                                         \
        printf("%d passed, %d failed\n", total_ - failed_, failed_);                  \
        return failed_ ? 1 : 0;                                                       \
    } while (0)

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
static inline uint64_t unit_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dULL;
}

#endif
