/*
 * runtime/simd.h — 128-bit vector values for the interpreter's SIMD
 * instructions (Wasm 2.0 §4.3.5 vector operations). Simple lane-wise
 * arithmetic uses the compiler's vector extensions (SSE2 code on x86-64,
 * scalar code where the target has no vectors); the rest is written lane by
 * lane over a union, which the compiler vectorises where it can.
 */
#ifndef WASM_SIMD_H
#define WASM_SIMD_H

#include <stdint.h>
#include "numeric.h"

typedef uint8_t  u8x16 __attribute__((vector_size(16)));
typedef int8_t   i8x16 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int16_t  i16x8 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int32_t  i32x4 __attribute__((vector_size(16)));
typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef int64_t  i64x2 __attribute__((vector_size(16)));
typedef float    f32x4 __attribute__((vector_size(16)));
typedef double   f64x2 __attribute__((vector_size(16)));

/* A v128 seen as lanes of any shape. */
typedef union v128 {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} v128;

/* Values occupy two adjacent 64-bit frame slots. */
static inline v128 v128_get(const uint64_t *slot)
{
    v128 v;
    __builtin_memcpy(&v, slot, 16);
    return v;
}

static inline void v128_put(uint64_t *slot, const v128 *v)
{
    __builtin_memcpy(slot, v, 16);
}

static inline int8_t sat_i8(int32_t x) { return (int8_t)(x < -128 ? -128 : x > 127 ? 127 : x); }
static inline uint8_t sat_u8(int32_t x) { return (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x); }
static inline int16_t sat_i16(int32_t x) { return (int16_t)(x < -32768 ? -32768 : x > 32767 ? 32767 : x); }
static inline uint16_t sat_u16(int32_t x) { return (uint16_t)(x < 0 ? 0 : x > 65535 ? 65535 : x); }

/* f32x4.pmin/pmax and f64x2 (§4.3.3 fpmin: b < a ? b : a). */
static inline float f32_pmin(float a, float b) { return b < a ? b : a; }
static inline float f32_pmax(float a, float b) { return a < b ? b : a; }
static inline double f64_pmin(double a, double b) { return b < a ? b : a; }
static inline double f64_pmax(double a, double b) { return a < b ? b : a; }

#endif
