/*
 * kernel/core/ksyms.c — lookups in the embedded symbol table (see ksyms.h).
 */
#include "core/ksyms.h"
#include "lib/lib.h"

extern const uint8_t __ksyms_start[], __ksyms_end[];

/* The table, or NULL when absent or malformed (the first link has none). */
static const struct ksyms_header *table(void)
{
    size_t size = (size_t)(__ksyms_end - __ksyms_start);
    const struct ksyms_header *h = (const struct ksyms_header *)__ksyms_start;
    if (size < sizeof(*h) || h->magic != KSYMS_MAGIC)
        return NULL;
    if (h->names_offset > size ||
        (size_t)h->count * sizeof(struct ksyms_entry) > h->names_offset - sizeof(*h))
        return NULL;
    return h;
}

static const struct ksyms_entry *entries(const struct ksyms_header *h)
{
    return (const struct ksyms_entry *)(h + 1);
}

static const char *name_at(const struct ksyms_header *h, uint32_t offset)
{
    size_t names_size = (size_t)(__ksyms_end - __ksyms_start) - h->names_offset;
    if (offset >= names_size)
        return "?";
    return (const char *)__ksyms_start + h->names_offset + offset;
}

uint32_t ksym_count(void)
{
    const struct ksyms_header *h = table();
    return h ? h->count : 0;
}

const char *ksym_lookup(uint64_t addr, uint64_t *offset)
{
    const struct ksyms_header *h = table();
    if (!h || h->count == 0)
        return NULL;
    const struct ksyms_entry *e = entries(h);

    /* Binary search for the last entry with e.addr <= addr. */
    uint32_t lo = 0, hi = h->count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (e[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (e[lo].addr > addr)
        return NULL;
    /* Past the end of a sized symbol (padding, or beyond the last function). */
    if (e[lo].size && addr - e[lo].addr >= e[lo].size)
        return NULL;
    if (offset)
        *offset = addr - e[lo].addr;
    return name_at(h, e[lo].name_offset);
}

uint64_t ksym_address(const char *name)
{
    const struct ksyms_header *h = table();
    if (!h)
        return 0;
    for (uint32_t i = 0; i < h->count; i++) {
        if (strcmp(name_at(h, entries(h)[i].name_offset), name) == 0)
            return entries(h)[i].addr;
    }
    return 0;
}
