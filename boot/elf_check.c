/*
 * boot/elf_check.c — decide whether kernel.elf may be loaded, before a single
 * byte of it is copied. Every offset and size comes from the file, so every
 * sum is checked for overflow. ELF-64 1.5 §3-4 (header, program headers).
 */
#include "loader.h"
#include "lib/lib.h"
#include <kpio/elf.h>

#define PAGE 4096ULL

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return -1;
}

/* True if [off, off+len) lies within [0, size) without wrapping. */
static bool within(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

int elf_check(const void *file, uint64_t size, uint64_t vmin, uint64_t vmax,
              struct elf_image *img, char *err, size_t err_size)
{
    const uint8_t *bytes = file;
    struct elf64_ehdr eh;

    memset(img, 0, sizeof(*img));
    if (size < sizeof(eh))
        return fail(err, err_size, "file too short for an ELF header (%llu bytes)",
                    (unsigned long long)size);
    memcpy(&eh, bytes, sizeof(eh));
    if (eh.e_ident[EI_MAG0] != ELF_MAGIC0 || memcmp(eh.e_ident + 1, "ELF", 3) != 0)
        return fail(err, err_size, "not an ELF file (bad magic)");
    if (eh.e_ident[EI_CLASS] != ELF_CLASS64 || eh.e_ident[EI_DATA] != ELF_DATA2LSB)
        return fail(err, err_size, "not a little-endian 64-bit ELF file");
    if (eh.e_ident[EI_VERSION] != ELF_VERSION_CURRENT || eh.e_version != ELF_VERSION_CURRENT)
        return fail(err, err_size, "unknown ELF version %u", eh.e_version);
    if (eh.e_type != ELF_TYPE_EXEC)
        return fail(err, err_size, "ELF type %u is not an executable", eh.e_type);
    if (eh.e_machine != ELF_MACHINE_X86_64)
        return fail(err, err_size, "ELF machine %u is not x86-64", eh.e_machine);
    if (eh.e_phentsize != sizeof(struct elf64_phdr))
        return fail(err, err_size, "bad program header size %u", eh.e_phentsize);
    if (eh.e_phnum == 0 || eh.e_phnum > 64)
        return fail(err, err_size, "bad program header count %u", eh.e_phnum);
    if (!within(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(struct elf64_phdr), size))
        return fail(err, err_size, "program headers lie outside the file (%llu bytes)",
                    (unsigned long long)size);

    for (unsigned i = 0; i < eh.e_phnum; i++) {
        struct elf64_phdr ph;
        memcpy(&ph, bytes + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
        if (ph.p_type == PT_DYNAMIC || ph.p_type == PT_INTERP)
            return fail(err, err_size, "segment %u: the kernel must be linked statically", i);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (img->segment_count == ELF_MAX_SEGMENTS)
            return fail(err, err_size, "more than %u loadable segments", ELF_MAX_SEGMENTS);
        if (ph.p_filesz > ph.p_memsz)
            return fail(err, err_size, "segment %u: file size exceeds memory size", i);
        if (!within(ph.p_offset, ph.p_filesz, size))
            return fail(err, err_size, "segment %u lies outside the file (truncated? %llu bytes)",
                        i, (unsigned long long)size);
        if (ph.p_vaddr % PAGE || ph.p_offset % PAGE)
            return fail(err, err_size, "segment %u is not page aligned (vaddr 0x%llx)", i,
                        (unsigned long long)ph.p_vaddr);
        if (ph.p_vaddr < vmin || ph.p_vaddr >= vmax || ph.p_memsz > vmax - ph.p_vaddr)
            return fail(err, err_size, "segment %u at 0x%llx is outside the kernel's range", i,
                        (unsigned long long)ph.p_vaddr);
        if ((ph.p_flags & PF_W) && (ph.p_flags & PF_X))
            return fail(err, err_size, "segment %u is writable and executable (W^X)", i);
        struct elf_segment *seg = &img->segments[img->segment_count];
        seg->vaddr = ph.p_vaddr;
        seg->memsz = ph.p_memsz;
        seg->offset = ph.p_offset;
        seg->filesz = ph.p_filesz;
        seg->writable = (ph.p_flags & PF_W) != 0;
        seg->executable = (ph.p_flags & PF_X) != 0;
        if (img->segment_count > 0) {
            const struct elf_segment *prev = seg - 1;
            if (seg->vaddr < ALIGN_UP(prev->vaddr + prev->memsz, PAGE))
                return fail(err, err_size, "segment %u overlaps or precedes the one before", i);
        }
        img->segment_count++;
    }
    if (img->segment_count == 0)
        return fail(err, err_size, "no loadable segments");

    const struct elf_segment *last = &img->segments[img->segment_count - 1];
    img->vbase = img->segments[0].vaddr;
    img->vend = ALIGN_UP(last->vaddr + last->memsz, PAGE);
    img->entry = eh.e_entry;
    for (unsigned i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        if (s->executable && eh.e_entry >= s->vaddr && eh.e_entry < s->vaddr + s->memsz)
            return 0;
    }
    return fail(err, err_size, "entry point 0x%llx is not in executable code",
                (unsigned long long)eh.e_entry);
}
