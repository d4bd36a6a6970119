/*
 * kernel/arch/x86_64/fpu.h — x87/SSE/AVX state: enabled on every CPU, saved
 * and restored with XSAVE(OPT)/XRSTOR on every thread switch (Intel SDM vol. 1
 * ch. 13). Without XSAVE, FXSAVE/FXRSTOR keep x87 and SSE.
 */
#ifndef KPIO_FPU_H
#define KPIO_FPU_H

#include <stddef.h>
#include <stdint.h>

/* Boot CPU: find the features and the save-area size; then enable on it. */
void fpu_init(void);
/* Enable the FPU, SSE and XSAVE on the calling CPU (APs). */
void fpu_init_cpu(void);
/* Bytes of a save area (64-byte aligned). */
size_t fpu_area_size(void);
/* The state components saved (XCR0), for `cpus`. */
uint64_t fpu_xcr0(void);
/* A save area holding the initial state (FCW 0x37f, MXCSR 0x1f80, all else 0). */
void fpu_area_init(void *area);
void fpu_save(void *area);
void fpu_restore(const void *area);

#endif
