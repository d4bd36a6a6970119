/*
 * kernel/arch/x86_64/fpu.c — FPU/SSE/AVX enabling and XSAVE-based state
 * switching. CR0.MP=1, EM=0, TS=0; CR4.OSFXSR, OSXMMEXCPT, OSXSAVE (SDM
 * vol. 3A §2.5, §13.1); XCR0 = every user state component CPUID.0DH offers
 * among x87, SSE, AVX and AVX-512 (SDM vol. 1 §13.3).
 */
#include "lib/lib.h"
#include "core/log.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"

#define CR0_MP         (1ULL << 1)
#define CR0_EM         (1ULL << 2)
#define CR0_TS         (1ULL << 3)
#define CR0_NE         (1ULL << 5)
#define CR4_OSFXSR     (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define CR4_OSXSAVE    (1ULL << 18)

#define XCR0_X87       (1ULL << 0)
#define XCR0_SSE       (1ULL << 1)
#define XCR0_AVX       (1ULL << 2)
#define XCR0_AVX512    (7ULL << 5)    /* opmask, ZMM_Hi256, Hi16_ZMM */

static bool has_xsave, has_xsaveopt;
static uint64_t xcr0;
static size_t area_size = 512;     /* FXSAVE's size until XSAVE says otherwise */

static inline void xsetbv(uint32_t reg, uint64_t v)
{
    __asm__ volatile("xsetbv" : : "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init_cpu(void)
{
    write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
    uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
    if (has_xsave)
        cr4 |= CR4_OSXSAVE;
    write_cr4(cr4);
    if (has_xsave)
        xsetbv(0, xcr0);
    __asm__ volatile("fninit");
}

void fpu_init(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    has_xsave = c & (1u << 26);
    if (has_xsave) {
        cpuid(0xd, 0, &a, &b, &c, &d);
        uint64_t supported = (uint64_t)d << 32 | a;
        xcr0 = supported & (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
        if ((xcr0 & XCR0_AVX512) != XCR0_AVX512)
            xcr0 &= ~XCR0_AVX512;       /* all three or none */
        cpuid(0xd, 1, &a, &b, &c, &d);
        has_xsaveopt = a & 1;
    }
    fpu_init_cpu();
    if (has_xsave) {
        cpuid(0xd, 0, &a, &b, &c, &d);
        area_size = ALIGN_UP((size_t)b, 64);   /* EBX: size for the XCR0 now set */
    }
    log_info("fpu: %s, state components %#llx, %zu-byte save area",
             has_xsave ? (has_xsaveopt ? "XSAVEOPT" : "XSAVE") : "FXSAVE",
             (unsigned long long)(has_xsave ? xcr0 : 3), area_size);
}

size_t fpu_area_size(void) { return area_size; }
uint64_t fpu_xcr0(void) { return has_xsave ? xcr0 : XCR0_X87 | XCR0_SSE; }

void fpu_area_init(void *area)
{
    memset(area, 0, area_size);
    uint8_t *p = area;
    p[0] = 0x7f;            /* FCW = 0x037f: all exceptions masked, 64-bit precision */
    p[1] = 0x03;
    uint32_t mxcsr = 0x1f80;    /* all SIMD exceptions masked, round to nearest */
    memcpy(p + 24, &mxcsr, 4);
    /* XSTATE_BV (offset 512) = 0: XRSTOR puts every component in its init
     * state, except MXCSR, which it loads from this area. */
}

void fpu_save(void *area)
{
    if (has_xsave && has_xsaveopt)
        __asm__ volatile("xsaveopt64 (%0)" : : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
    else if (has_xsave)
        __asm__ volatile("xsave64 (%0)" : : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
    else
        __asm__ volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void fpu_restore(const void *area)
{
    if (has_xsave)
        __asm__ volatile("xrstor64 (%0)" : : "r"(area), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
    else
        __asm__ volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}
