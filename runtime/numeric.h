/*
 * runtime/numeric.h — the numeric operations of Wasm 2.0 §4.3 that C does
 * not give directly, written without libm so that the runtime builds
 * freestanding: rounding (ceil, floor, trunc, nearest), min/max with the NaN
 * and signed-zero rules, and float-to-integer conversions (trapping and
 * saturating). NaN results are the operand NaN made quiet (an arithmetic
 * NaN, §4.3.3), which keeps a canonical NaN canonical.
 */
#ifndef WASM_NUMERIC_H
#define WASM_NUMERIC_H

#include <stdbool.h>
#include <stdint.h>

static inline uint32_t f32_to_bits(float f) { uint32_t u; __builtin_memcpy(&u, &f, 4); return u; }
static inline float f32_from_bits(uint32_t u) { float f; __builtin_memcpy(&f, &u, 4); return f; }
static inline uint64_t f64_to_bits(double f) { uint64_t u; __builtin_memcpy(&u, &f, 8); return u; }
static inline double f64_from_bits(uint64_t u) { double f; __builtin_memcpy(&f, &u, 8); return f; }

#define F32_SIGN 0x80000000u
#define F64_SIGN 0x8000000000000000ull

static inline bool f32_isnan(float x) { return x != x; }
static inline bool f64_isnan(double x) { return x != x; }

/* ---- rounding to integral values ---- */

/* trunc: clear the fraction bits (§4.3.3 ftrunc). */
static inline float wasm_f32_trunc(float x)
{
    uint32_t u = f32_to_bits(x);
    int e = (int)((u >> 23) & 0xff) - 127;
    if (e >= 23)
        return x != x ? x + x : x;     /* integral already, inf, or NaN (quieted) */
    if (e < 0)
        return f32_from_bits(u & F32_SIGN);
    uint32_t mask = (1u << (23 - e)) - 1;
    return f32_from_bits(u & ~mask);
}

static inline double wasm_f64_trunc(double x)
{
    uint64_t u = f64_to_bits(x);
    int e = (int)((u >> 52) & 0x7ff) - 1023;
    if (e >= 52)
        return x != x ? x + x : x;
    if (e < 0)
        return f64_from_bits(u & F64_SIGN);
    uint64_t mask = (1ull << (52 - e)) - 1;
    return f64_from_bits(u & ~mask);
}

static inline float wasm_f32_floor(float x)
{
    float t = wasm_f32_trunc(x);
    return (x < 0 && t != x) ? t - 1.0f : t;
}

static inline double wasm_f64_floor(double x)
{
    double t = wasm_f64_trunc(x);
    return (x < 0 && t != x) ? t - 1.0 : t;
}

static inline float wasm_f32_ceil(float x)
{
    float t = wasm_f32_trunc(x);
    if (x > 0 && t != x)
        return t + 1.0f;
    return t;
}

static inline double wasm_f64_ceil(double x)
{
    double t = wasm_f64_trunc(x);
    if (x > 0 && t != x)
        return t + 1.0;
    return t;
}

/* nearest, ties to even (§4.3.3 fnearest): adding and subtracting 2^23
 * (2^52) rounds in the default round-to-nearest-even mode; the sign is put
 * back so that -0.4 gives -0. */
static inline float wasm_f32_nearest(float x)
{
    uint32_t u = f32_to_bits(x);
    uint32_t a = u & ~F32_SIGN;
    if (a >= 0x4B000000u)                  /* |x| >= 2^23, inf, NaN */
        return x != x ? x + x : x;
    volatile float big = 8388608.0f;       /* volatile: keep the two roundings */
    float r = (f32_from_bits(a) + big) - big;
    return f32_from_bits(f32_to_bits(r) | (u & F32_SIGN));
}

static inline double wasm_f64_nearest(double x)
{
    uint64_t u = f64_to_bits(x);
    uint64_t a = u & ~F64_SIGN;
    if (a >= 0x4330000000000000ull)        /* |x| >= 2^52, inf, NaN */
        return x != x ? x + x : x;
    volatile double big = 4503599627370496.0;
    double r = (f64_from_bits(a) + big) - big;
    return f64_from_bits(f64_to_bits(r) | (u & F64_SIGN));
}

/* ---- min / max (§4.3.3 fmin, fmax): NaN if either is NaN; -0 < +0 ---- */

static inline float wasm_f32_min(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return f32_from_bits(f32_to_bits(a) | f32_to_bits(b));   /* -0 wins */
    return a < b ? a : b;
}

static inline float wasm_f32_max(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return f32_from_bits(f32_to_bits(a) & f32_to_bits(b));   /* +0 wins */
    return a > b ? a : b;
}

static inline double wasm_f64_min(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return f64_from_bits(f64_to_bits(a) | f64_to_bits(b));
    return a < b ? a : b;
}

static inline double wasm_f64_max(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return f64_from_bits(f64_to_bits(a) & f64_to_bits(b));
    return a > b ? a : b;
}

static inline float wasm_f32_sqrt(float x) { return __builtin_sqrtf(x); }
static inline double wasm_f64_sqrt(double x) { return __builtin_sqrt(x); }

/* ---- float to integer (§4.3.4 trunc, trunc_sat) ----
 * The range tests compare against exactly representable bounds: a value is
 * in range when its truncation fits the target type. */

static inline bool f32_fits_i32(float x) { return x >= -2147483648.0f && x < 2147483648.0f; }
static inline bool f64_fits_i32(double x) { return x > -2147483649.0 && x < 2147483648.0; }
static inline bool f32_fits_u32(float x) { return x > -1.0f && x < 4294967296.0f; }
static inline bool f64_fits_u32(double x) { return x > -1.0 && x < 4294967296.0; }
static inline bool f32_fits_i64(float x) { return x >= -9223372036854775808.0f && x < 9223372036854775808.0f; }
static inline bool f64_fits_i64(double x) { return x >= -9223372036854775808.0 && x < 9223372036854775808.0; }
static inline bool f32_fits_u64(float x) { return x > -1.0f && x < 18446744073709551616.0f; }
static inline bool f64_fits_u64(double x) { return x > -1.0 && x < 18446744073709551616.0; }

/* Saturating conversions: NaN -> 0, out of range -> the nearest bound. */
static inline uint32_t wasm_sat_f32_i32(float x)
{
    if (x != x) return 0;
    if (x < -2147483648.0f) return 0x80000000u;
    if (x >= 2147483648.0f) return 0x7fffffffu;
    return (uint32_t)(int32_t)x;
}

static inline uint32_t wasm_sat_f64_i32(double x)
{
    if (x != x) return 0;
    if (x <= -2147483649.0) return 0x80000000u;
    if (x >= 2147483648.0) return 0x7fffffffu;
    return (uint32_t)(int32_t)x;
}

static inline uint32_t wasm_sat_f32_u32(float x)
{
    if (x != x || x <= -1.0f) return 0;
    if (x >= 4294967296.0f) return 0xffffffffu;
    return (uint32_t)x;
}

static inline uint32_t wasm_sat_f64_u32(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 4294967296.0) return 0xffffffffu;
    return (uint32_t)x;
}

static inline uint64_t wasm_sat_f32_i64(float x)
{
    if (x != x) return 0;
    if (x < -9223372036854775808.0f) return 0x8000000000000000ull;
    if (x >= 9223372036854775808.0f) return 0x7fffffffffffffffull;
    return (uint64_t)(int64_t)x;
}

static inline uint64_t wasm_sat_f64_i64(double x)
{
    if (x != x) return 0;
    if (x < -9223372036854775808.0) return 0x8000000000000000ull;
    if (x >= 9223372036854775808.0) return 0x7fffffffffffffffull;
    return (uint64_t)(int64_t)x;
}

static inline uint64_t wasm_sat_f32_u64(float x)
{
    if (x != x || x <= -1.0f) return 0;
    if (x >= 18446744073709551616.0f) return 0xffffffffffffffffull;
    return (uint64_t)x;
}

static inline uint64_t wasm_sat_f64_u64(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return 0xffffffffffffffffull;
    return (uint64_t)x;
}

#endif
