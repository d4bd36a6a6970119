/*
 * tests/fuzz/fuzz_boot_elf.c — libFuzzer on the loader's ELF checks
 * (boot/elf_check.c): whatever is accepted must be safe to load: segments
 * inside the file and the kernel range, page aligned, ascending, disjoint,
 * W^X, the entry in executable code.
 */
#include <stdint.h>
#include <string.h>
#include "loader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint64_t vmin = KPIO_KERNEL_BASE, vmax = KPIO_KERNEL_BASE + KPIO_KERNEL_MAX_SIZE;
    struct elf_image img;
    char err[LOADER_ERR_MAX];
    if (elf_check(data, size, vmin, vmax, &img, err, sizeof(err)) != 0)
        return 0;
    bool entry_ok = false;
    for (unsigned i = 0; i < img.segment_count; i++) {
        const struct elf_segment *s = &img.segments[i];
        if (s->offset > size || s->filesz > size - s->offset || s->filesz > s->memsz ||
            s->vaddr < vmin || s->vaddr % 4096 || s->memsz > vmax - s->vaddr ||
            (s->writable && s->executable))
            __builtin_trap();
        if (i && s->vaddr < img.segments[i - 1].vaddr + img.segments[i - 1].memsz)
            __builtin_trap();
        if (s->executable && img.entry >= s->vaddr && img.entry < s->vaddr + s->memsz)
            entry_ok = true;
    }
    if (!entry_ok || img.vbase != img.segments[0].vaddr || img.vend < img.vbase)
        __builtin_trap();
    return 0;
}
