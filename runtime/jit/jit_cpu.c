/*
 * runtime/jit/jit_cpu.c — which x86-64 extensions the JIT may use: CPUID
 * (Intel SDM Vol. 2A, CPUID) plus XGETBV for the AVX state the operating
 * system saves, and the engine setting (wasm_runtime_set_engine).
 */
#include "jit_internal.h"

#if defined(__x86_64__)
#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

uint32_t jit_cpu_features(void)
{
    static uint32_t cached;
    static bool done;
    if (done)
        return cached;
    uint32_t a, b, c, d, f = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        if (c & bit_SSE4_1)
            f |= JIT_F_SSE41;
        if (c & bit_SSE4_2)
            f |= JIT_F_SSE42;
        if (c & bit_POPCNT)
            f |= JIT_F_POPCNT;
        /* AVX needs the OS to save YMM state: OSXSAVE and XCR0 bits 1-2 */
        if ((c & bit_AVX) && (c & bit_OSXSAVE) && (xgetbv0() & 6) == 6)
            f |= JIT_F_AVX;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if (b & bit_BMI)
            f |= JIT_F_BMI1;
        if (b & bit_BMI2)
            f |= JIT_F_BMI2;
        if ((b & bit_AVX2) && (f & JIT_F_AVX))
            f |= JIT_F_AVX2;
    }
    if (__get_cpuid(0x80000001, &a, &b, &c, &d) && (c & bit_LZCNT))
        f |= JIT_F_LZCNT;
    cached = f;
    done = true;
    return f;
}
#else
uint32_t jit_cpu_features(void)
{
    return 0;
}
#endif

static wasm_engine engine = WASM_ENGINE_DEFAULT;

void wasm_runtime_set_engine(wasm_engine e)
{
    engine = e;
}

bool jit_engine_jit(void)
{
    return engine != WASM_ENGINE_INTERP;
}

uint32_t jit_features(void)
{
    uint32_t f = jit_cpu_features();
    if (engine == WASM_ENGINE_JIT_BASELINE)
        f &= JIT_F_SSE41;
    return f;
}

bool wasm_jit_enabled(void)
{
    return jit_engine_jit() && (jit_cpu_features() & JIT_F_SSE41) && !wasm_runtime_checked();
}

bool wasm_runtime_jit_available(void)
{
    return wasm_jit_enabled();
}
