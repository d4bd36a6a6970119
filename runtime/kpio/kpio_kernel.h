/*
 * runtime/kpio/kpio_kernel.h — what the kpio host layer (and the WASI core
 * it bridges to) use from the kernel when built into it: the kernel's
 * string functions and snprintf (kernel/lib/lib.h) and its heap
 * (kernel/mm/mm.h). A kernel build passes
 *   -DKPIO_SYSTEM_HEADER='"kpio_kernel.h"' -DWASI_SYSTEM_HEADER='"kpio_kernel.h"'
 * (runtime/kpio.mk compiles runtime/kpio this way as a check).
 */
#ifndef KPIO_KERNEL_H
#define KPIO_KERNEL_H

#include "lib/lib.h"
#include "mm/mm.h"

/* calloc with the multiplication checked */
static inline void *kpio_kernel_calloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    return kzalloc(n * size);
}

#define kpio_malloc(n) kmalloc(n)
#define kpio_calloc(n, size) kpio_kernel_calloc(n, size)
#define kpio_realloc(p, n) krealloc(p, n)
#define kpio_free(p) kfree(p)

#ifndef wasi_malloc
#define wasi_malloc(n) kmalloc(n)
#define wasi_calloc(n, size) kpio_kernel_calloc(n, size)
#define wasi_realloc(p, n) krealloc(p, n)
#define wasi_free(p) kfree(p)
#endif

#endif
