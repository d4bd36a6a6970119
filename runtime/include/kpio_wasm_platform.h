/*
 * runtime/include/kpio_wasm_platform.h — what the WebAssembly runtime needs
 * from the system it runs on. The runtime core (the C files in runtime/) uses nothing
 * else: no libc beyond the compiler's freestanding headers and the memory
 * functions compilers emit (memcpy, memset, memmove, memcmp).
 *
 * Implementations: runtime/host/platform_linux.c (hosted, POSIX + signals);
 * the kernel provides its own later.
 *
 * The other direction, what the platform calls in the runtime, is at the
 * bottom: wasm_fault_redirect(), for turning a page fault in guest linear
 * memory into a WebAssembly trap.
 */
#ifndef KPIO_WASM_PLATFORM_H
#define KPIO_WASM_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- heap ---- */
void *wasm_plat_alloc(size_t size);                 /* NULL on failure */
void *wasm_plat_realloc(void *ptr, size_t size);    /* NULL on failure, ptr kept */
void wasm_plat_free(void *ptr);

/* ---- virtual memory ----
 * The runtime reserves a large region for each linear memory (8 GiB + guard
 * on 64-bit hosts) and commits it as the memory grows; accesses past the
 * committed part fault and become traps. A platform that cannot reserve
 * returns NULL from wasm_plat_reserve(); the runtime then allocates memories
 * from the heap and checks every access explicitly. */
#define WASM_PROT_NONE  0
#define WASM_PROT_READ  1
#define WASM_PROT_WRITE 2
#define WASM_PROT_EXEC  4

size_t wasm_plat_page_size(void);
/* Reserve `size` bytes of address space, inaccessible. NULL if impossible. */
void *wasm_plat_reserve(size_t size);
/* Make [addr, addr+size) of a reservation readable and writable; the pages
 * read as zero the first time. Page-aligned. False on failure. The runtime
 * commits right after each reserve, even 0 bytes, so a platform may hand
 * out a recycled reservation (its pages zeroed) and learn from that first
 * commit how much of it must be accessible. */
bool wasm_plat_commit(void *addr, size_t size);
/* wasm_plat_commit for a machine stack that compiled code will run on. A
 * platform whose fault handler runs on the faulting stack (a kernel without
 * a separate page-fault stack) backs these pages now: a push into a page
 * that is not there yet could not be handled there. */
bool wasm_plat_commit_stack(void *addr, size_t size);
/* Change protection of committed pages (WASM_PROT_* flags); for JIT W^X. */
bool wasm_plat_protect(void *addr, size_t size, int prot);
/* Return the pages to the system (they read as zero if committed again). */
bool wasm_plat_decommit(void *addr, size_t size);
/* Release a whole reservation made by wasm_plat_reserve. */
void wasm_plat_release(void *addr, size_t size);

/* ---- threads and time ---- */
/* A pointer-sized slot private to the calling thread, initially NULL. The
 * runtime keeps its per-thread execution state (the current activation) in it. */
void **wasm_plat_thread_slot(void);
/* Monotonic clock in nanoseconds. */
uint64_t wasm_plat_time_ns(void);

/* Make sure the platform's fault handler (hosted: SIGSEGV/SIGBUS) is in
 * place; the runtime calls this whenever it loads a module, so it must be
 * cheap and idempotent. Returns false if faults cannot be caught (the
 * runtime then checks bounds explicitly). */
bool wasm_plat_fault_init(void);

/* ---- called by the platform ----
 * From a fault handler (hosted: the SIGSEGV handler with the ucontext
 * registers; kernel: the page-fault handler with the interrupted frame):
 * if `fault_addr` lies in the linear memory of WebAssembly code executing on
 * this thread, rewrite *pc and *sp so that resuming the interrupted context
 * enters the runtime's trap path (which unwinds to the wasm_call that started
 * the execution) and return true. Otherwise return false and change nothing:
 * the fault is a real one. */
bool wasm_fault_redirect(uintptr_t fault_addr, uintptr_t *pc, uintptr_t *sp);

#ifdef __cplusplus
}
#endif

#endif
