/*
 * runtime/memory.c — linear memories and tables (Wasm 2.0 §4.2.8, §4.2.7).
 *
 * A guarded memory reserves 8 GiB + 64 KiB of address space once and commits
 * pages as it grows, so its base never moves and the interpreter needs no
 * bounds checks: any u32 address + u32 offset + access size lands inside the
 * reservation, and the uncommitted part faults (exec.c turns that into a
 * trap). Where the platform cannot reserve or catch faults, memories live on
 * the heap, move when they grow, and modules are translated for the checking
 * interpreter (interp_checked.c).
 */
#include "wasm_internal.h"

static int guard_state;         /* 0 unknown, 1 available, -1 not */
static bool force_checked;

bool wasm_guard_available(void)
{
    if (guard_state == 0) {
        bool ok = sizeof(void *) >= 8 && wasm_plat_fault_init();
        if (ok) {
            /* Probe once that a full reservation is possible. */
            uint64_t size = WASM_GUARD_RESERVE + WASM_GUARD_EXTRA;
            void *p = wasm_plat_reserve((size_t)size);
            if (p)
                wasm_plat_release(p, (size_t)size);
            ok = p != NULL;
        }
        guard_state = ok ? 1 : -1;
    }
    return guard_state > 0;
}

void wasm_runtime_set_checked(bool on)
{
    force_checked = on;
}

bool wasm_runtime_checked(void)
{
    if (force_checked || !wasm_guard_available())
        return true;
    /* Re-assert the fault handler: the embedder may have installed its own
     * since (ours chains to it). */
    return !wasm_plat_fault_init();
}

/* Creates a memory of `pages` pages that may grow to max_pages. NULL on failure. */
wasm_memory *wasm_memory_new(uint32_t pages, uint32_t max_pages, bool checked)
{
    wasm_memory *mem = wasm_zalloc(sizeof(*mem));
    if (!mem)
        return NULL;
    mem->pages = pages;
    mem->max_pages = max_pages;
    mem->size = (uint64_t)pages * WASM_PAGE_SIZE;
    if (!checked) {
        mem->reserved = WASM_GUARD_RESERVE + WASM_GUARD_EXTRA;
        mem->base = wasm_plat_reserve((size_t)mem->reserved);
        /* Commit even 0 bytes: it tells the platform how much of the
         * reservation is accessible (one that recycles reservations must
         * know; see kpio_wasm_platform.h). */
        if (!mem->base || !wasm_plat_commit(mem->base, (size_t)mem->size)) {
            if (mem->base)
                wasm_plat_release(mem->base, (size_t)mem->reserved);
            wasm_free(mem);
            return NULL;
        }
        mem->guarded = true;
    } else {
        /* At least 16 bytes so that base is never NULL. */
        mem->reserved = mem->size > 16 ? mem->size : 16;
        if (mem->reserved > SIZE_MAX) {
            wasm_free(mem);
            return NULL;
        }
        mem->base = wasm_zalloc((size_t)mem->reserved);
        if (!mem->base) {
            wasm_free(mem);
            return NULL;
        }
    }
    return mem;
}

void wasm_memory_free(wasm_memory *mem)
{
    if (!mem)
        return;
    if (mem->guarded)
        wasm_plat_release(mem->base, (size_t)mem->reserved);
    else
        wasm_free(mem->base);
    wasm_free(mem);
}

/* memory.grow (§4.4.7): returns the old size in pages, or -1 if the memory
 * cannot grow by delta pages (the memory is then unchanged). */
int64_t wasm_memory_grow(wasm_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    uint64_t pages = (uint64_t)old + delta;
    if (pages > mem->max_pages)
        return -1;
    if (delta == 0)
        return old;
    uint64_t size = pages * WASM_PAGE_SIZE;
    if (mem->guarded) {
        if (!wasm_plat_commit(mem->base + mem->size, (size_t)(size - mem->size)))
            return -1;
    } else {
        if (size > SIZE_MAX)
            return -1;
        uint8_t *nb = wasm_plat_realloc(mem->base, (size_t)size);
        if (!nb)
            return -1;
        wasm_memset(nb + mem->size, 0, (size_t)(size - mem->size));
        mem->base = nb;
        mem->reserved = size;
    }
    mem->size = size;
    mem->pages = (uint32_t)pages;
    return old;
}

/* ---- tables ---- */

wasm_table *wasm_table_new(uint8_t reftype, uint32_t size, uint32_t max, void *init)
{
    wasm_table *t = wasm_zalloc(sizeof(*t));
    if (!t)
        return NULL;
    t->reftype = reftype;
    t->max = max;
    t->size = size;
    t->cap = size;
    t->elems = wasm_plat_alloc((size_t)(size ? size : 1) * sizeof(void *));
    if (!t->elems) {
        wasm_free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < size; i++)
        t->elems[i] = init;
    return t;
}

void wasm_table_free(wasm_table *t)
{
    if (!t)
        return;
    wasm_free(t->elems);
    wasm_free(t);
}

/* table.grow (§4.4.6): returns the old size, or -1 (table unchanged). */
int64_t wasm_table_grow(wasm_table *t, uint32_t delta, void *init, uint32_t limit)
{
    uint32_t old = t->size;
    uint64_t size = (uint64_t)old + delta;
    if (size > t->max || size > limit)
        return -1;
    if (size > t->cap) {
        uint64_t cap = t->cap ? t->cap : 8;
        while (cap < size)
            cap *= 2;
        if (cap > t->max)
            cap = t->max;
        if (cap < size || cap * sizeof(void *) > SIZE_MAX / 2)
            return -1;
        void **ne = wasm_plat_realloc(t->elems, (size_t)cap * sizeof(void *));
        if (!ne)
            return -1;
        t->elems = ne;
        t->cap = (uint32_t)cap;
    }
    for (uint64_t i = old; i < size; i++)
        t->elems[i] = init;
    t->size = (uint32_t)size;
    return old;
}
