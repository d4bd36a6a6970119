/*
 * boot/loader.h — the KPIO UEFI loader's internal interfaces.
 * config.c, elf_check.c and memmap.c are portable (no UEFI calls)
 * and are unit-tested on the host; the rest talks to the firmware.
 */
#ifndef KPIO_LOADER_H
#define KPIO_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kpio/boot.h>

#define LOADER_ERR_MAX 160          /* error messages are one line */

/* ---- config.c: the ESP's \EFI\KPIO\KPIO.CFG ---- */
#define CONFIG_MAX_SIZE 4096
#define CONFIG_PATH_MAX 128

struct boot_config {
    char kernel_path[CONFIG_PATH_MAX];  /* ESP path with '\' separators */
    uint8_t kernel_sha256[32];
    char cmdline[KPIO_CMDLINE_MAX];
};

/* Parse the config text (len bytes, need not be NUL-terminated). Returns 0,
 * or -1 with a one-line reason in err (e.g. "line 3: unknown key 'foo'"). */
int config_parse(const char *text, size_t len, struct boot_config *cfg, char *err,
                 size_t err_size);

/* ---- elf_check.c: validating kernel.elf before anything is copied ---- */
#define ELF_MAX_SEGMENTS 8

struct elf_segment {
    uint64_t vaddr, memsz;      /* page-aligned start; bytes in memory */
    uint64_t offset, filesz;    /* bytes taken from the file */
    bool writable, executable;
};

struct elf_image {
    uint64_t entry;
    uint64_t vbase, vend;       /* page-aligned span of all segments */
    unsigned segment_count;
    struct elf_segment segments[ELF_MAX_SEGMENTS];  /* ascending, disjoint */
};

/* Check that file (size bytes) is an x86-64 executable whose loadable segments
 * lie inside the file and inside [vmin, vmax), are page aligned, disjoint and
 * never both writable and executable, with the entry in executable code.
 * Returns 0 and fills *img, or -1 with a reason in err. */
int elf_check(const void *file, uint64_t size, uint64_t vmin, uint64_t vmax,
              struct elf_image *img, char *err, size_t err_size);

/* The kernel's SHA-256 check uses kernel/lib/sha256.c (lib/sha256.h). */

/* ---- memmap.c: the firmware memory map as struct kpio_mem_region ---- */
/* Convert count UEFI descriptors (desc_size bytes apart) into sorted, merged
 * regions. Returns the number of regions, or -1 if more than max are needed. */
int memmap_convert(const void *efi_map, size_t count, size_t desc_size,
                   struct kpio_mem_region *out, size_t max);
/* The end of the highest-addressed descriptor (physical bytes to direct-map). */
uint64_t memmap_top(const void *efi_map, size_t count, size_t desc_size);

/* ---- paging.c: the kernel's first page tables ---- */
struct paging_plan {
    uint64_t direct_map_size;           /* multiple of 1 GiB */
    const struct elf_image *image;
    uint64_t kernel_phys;               /* backs image->vbase .. image->vend */
    uint64_t stack_phys;                /* KPIO_BOOT_STACK_SIZE bytes */
};
uint64_t paging_pages_needed(const struct paging_plan *plan);
/* Build the tables in the pool_pages pages at pool_base (identity-mapped).
 * Returns 0 with *pml4_phys set, or -1 if the pool is too small. */
int paging_build(const struct paging_plan *plan, uint64_t pool_base, uint64_t pool_pages,
                 uint64_t *pml4_phys);

/* ---- efi_io.c: console and files through boot services ---- */
void con_init(void *system_table);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Read a whole file of the boot volume into pool memory. Returns 0, or a
 * negative value after printing why (not found, too large, read error). */
int file_read(void *image_handle, const char *path, void **data, uint64_t *size,
              uint64_t max_size);

#endif
