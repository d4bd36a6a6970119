/*
 * runtime/host/platform_linux.c — the runtime's platform interface
 * (kpio_wasm_platform.h) on Linux: malloc, mmap/mprotect reservations,
 * a thread-local slot, CLOCK_MONOTONIC, and a SIGSEGV/SIGBUS handler that
 * hands faults in guest memory to wasm_fault_redirect().
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "kpio_wasm_platform.h"

void *wasm_plat_alloc(size_t size)
{
    return malloc(size);
}

void *wasm_plat_realloc(void *ptr, size_t size)
{
    return realloc(ptr, size);
}

void wasm_plat_free(void *ptr)
{
    free(ptr);
}

size_t wasm_plat_page_size(void)
{
    static size_t page;
    if (!page)
        page = (size_t)sysconf(_SC_PAGESIZE);
    return page;
}

void *wasm_plat_reserve(size_t size)
{
    void *p = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

bool wasm_plat_commit(void *addr, size_t size)
{
    return mprotect(addr, size, PROT_READ | PROT_WRITE) == 0;
}

/* Linux grows into untouched stack pages on demand (signals run on their own
 * stack), so a stack is committed like any memory. */
bool wasm_plat_commit_stack(void *addr, size_t size)
{
    return wasm_plat_commit(addr, size);
}

bool wasm_plat_protect(void *addr, size_t size, int prot)
{
    int p = PROT_NONE;
    if (prot & WASM_PROT_READ)
        p |= PROT_READ;
    if (prot & WASM_PROT_WRITE)
        p |= PROT_WRITE;
    if (prot & WASM_PROT_EXEC)
        p |= PROT_EXEC;
    return mprotect(addr, size, p) == 0;
}

bool wasm_plat_decommit(void *addr, size_t size)
{
    return madvise(addr, size, MADV_DONTNEED) == 0 && mprotect(addr, size, PROT_NONE) == 0;
}

void wasm_plat_release(void *addr, size_t size)
{
    munmap(addr, size);
}

void **wasm_plat_thread_slot(void)
{
    static _Thread_local void *slot;
    return &slot;
}

uint64_t wasm_plat_time_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- faults ---- */

#if defined(__x86_64__)
#define CTX_PC(uc) ((uc)->uc_mcontext.gregs[REG_RIP])
#define CTX_SP(uc) ((uc)->uc_mcontext.gregs[REG_RSP])
#define HAVE_FAULTS 1
#elif defined(__aarch64__)
#define CTX_PC(uc) ((uc)->uc_mcontext.pc)
#define CTX_SP(uc) ((uc)->uc_mcontext.sp)
#define HAVE_FAULTS 1
#else
#define HAVE_FAULTS 0
#endif

#if HAVE_FAULTS
static struct sigaction previous[2];    /* SIGSEGV, SIGBUS */

/* A fault in guest memory resumes in the runtime's trap path; any other
 * fault goes to the handler that was there before (ASan, libFuzzer) or gets
 * the default action. */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    uintptr_t pc = (uintptr_t)CTX_PC(uc), sp = (uintptr_t)CTX_SP(uc);
    if (wasm_fault_redirect((uintptr_t)si->si_addr, &pc, &sp)) {
        CTX_PC(uc) = pc;
        CTX_SP(uc) = sp;
        return;
    }
    struct sigaction *old = &previous[sig == SIGSEGV ? 0 : 1];
    if (old->sa_flags & SA_SIGINFO) {
        old->sa_sigaction(sig, si, ctx);
    } else if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
    } else {
        signal(sig, SIG_DFL);   /* the access repeats and ends the process */
    }
}

/* Puts on_fault in front of whatever handler is there now (which it chains
 * to). Called again whenever the runtime loads a module, so that a handler
 * installed later by the embedder (a test framework, a sanitizer) does not
 * hide guest faults. */
static bool install(void)
{
    static const int sigs[2] = { SIGSEGV, SIGBUS };
    for (int i = 0; i < 2; i++) {
        struct sigaction cur;
        if (sigaction(sigs[i], NULL, &cur) != 0)
            return false;
        if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_fault)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_fault;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigemptyset(&sa.sa_mask);
        previous[i] = cur;
        if (sigaction(sigs[i], &sa, NULL) != 0)
            return false;
    }
    return true;
}
#endif

bool wasm_plat_fault_init(void)
{
#if HAVE_FAULTS
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&lock);
    bool ok = install();
    pthread_mutex_unlock(&lock);
    return ok;
#else
    return false;
#endif
}
