/*
 * kernel/core/ksyms.h — the kernel's own symbol table, for backtraces.
 * The build links the kernel twice: the second link embeds, in the .ksyms
 * section (the last one, so no other address moves), a sorted table of every
 * function made by tools/ksyms.py from the first link's `nm` output.
 */
#ifndef KPIO_KSYMS_H
#define KPIO_KSYMS_H

#include <stdint.h>

#define KSYMS_MAGIC 0x4d59534bu     /* "KSYM" */

struct ksyms_header {
    uint32_t magic;
    uint32_t count;
    uint32_t names_offset;          /* from the start of the header */
    uint32_t reserved;
};

struct ksyms_entry {
    uint64_t addr;
    uint32_t size;                  /* 0 if unknown */
    uint32_t name_offset;           /* into the names */
};

/* The name of the function containing addr and addr's offset into it, or NULL. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
/* The address of a symbol by exact name, or 0. */
uint64_t ksym_address(const char *name);
/* Number of symbols embedded (0 for the first link). */
uint32_t ksym_count(void);

#endif
