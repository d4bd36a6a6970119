/*
 * include/kpio/boot.h — the one structure the UEFI loader (boot/) hands to the
 * kernel. Versioned: the kernel refuses a boot-info whose magic or version it
 * does not know. Add fields only at the end and bump KPIO_BOOT_VERSION.
 *
 * Conventions at kernel entry (the loader guarantees them):
 *   - long mode, paging on with the loader's page tables:
 *       the kernel image at its link address (KPIO_KERNEL_BASE and up),
 *       all physical memory mapped at KPIO_DIRECT_MAP_BASE (the direct map),
 *       the low identity map of the loader itself (the kernel drops it);
 *   - interrupts off, boot services exited;
 *   - rdi = pointer to struct kpio_boot_info (a direct-map address);
 *   - rsp = KPIO_BOOT_STACK_TOP - 8: a KPIO_BOOT_STACK_SIZE stack mapped just
 *     below KPIO_BOOT_STACK_TOP, with unmapped guard pages on both sides;
 *   - EFER.NXE set; kernel segments mapped with 4 KiB pages and the ELF's
 *     permissions (W^X: the loader refuses a writable and executable segment);
 *     the direct map and the identity map use 2 MiB pages, the direct map NX;
 *   - no global pages, so reloading CR3 drops every loader mapping.
 *
 * The kernel checks magic, version and size before it trusts anything else.
 * Memory the kernel still runs on at entry (page tables, this structure) is
 * typed KPIO_MEM_LOADER; the kernel image and boot stack KPIO_MEM_KERNEL.
 */
#ifndef KPIO_BOOT_H
#define KPIO_BOOT_H

#include <stdint.h>

#define KPIO_BOOT_MAGIC      0x544f4f424f49504bULL   /* "KPIOBOOT" little-endian */
#define KPIO_BOOT_VERSION    2

#define KPIO_KERNEL_BASE     0xffffffff80000000ULL   /* -2 GiB: -mcmodel=kernel */
#define KPIO_DIRECT_MAP_BASE 0xffff800000000000ULL   /* phys 0 mapped here */
#define KPIO_KERNEL_MAX_SIZE (1ULL << 30)            /* kernel segments end below base + 1 GiB */

/* The boot stack: 64 KiB ending one guard page below the kernel image. */
#define KPIO_BOOT_STACK_SIZE 0x10000ULL
#define KPIO_BOOT_STACK_TOP  (KPIO_KERNEL_BASE - 0x1000ULL)

enum kpio_mem_type {
    KPIO_MEM_USABLE       = 1,  /* free RAM */
    KPIO_MEM_RESERVED     = 2,  /* firmware, holes: never touch */
    KPIO_MEM_ACPI_RECLAIM = 3,  /* ACPI tables: usable after they are parsed */
    KPIO_MEM_ACPI_NVS     = 4,
    KPIO_MEM_MMIO         = 5,
    KPIO_MEM_LOADER       = 6,  /* boot info, loader page tables: reclaimable once copied */
    KPIO_MEM_KERNEL       = 7,  /* the loaded kernel image and its boot stack */
    KPIO_MEM_BAD          = 8,
};

struct kpio_mem_region {
    uint64_t base;      /* physical, 4 KiB aligned */
    uint64_t pages;     /* 4 KiB pages */
    uint32_t type;      /* enum kpio_mem_type */
    uint32_t reserved;
};

enum kpio_fb_format {
    KPIO_FB_NONE = 0,
    KPIO_FB_BGRX8888 = 1,   /* byte 0 blue (UEFI PixelBlueGreenRedReserved8BitPerColor) */
    KPIO_FB_RGBX8888 = 2,
};

struct kpio_framebuffer {
    uint64_t phys_base;
    uint64_t size;          /* bytes */
    uint32_t width, height; /* pixels */
    uint32_t pitch;         /* bytes per scan line */
    uint32_t format;        /* enum kpio_fb_format */
};

#define KPIO_CMDLINE_MAX 512
#define KPIO_MEM_REGIONS_MAX 512

struct kpio_boot_info {
    uint64_t magic;                 /* KPIO_BOOT_MAGIC */
    uint32_t version;               /* KPIO_BOOT_VERSION */
    uint32_t size;                  /* sizeof(struct kpio_boot_info) */

    uint64_t loader_start_tsc;      /* TSC at the loader's first instruction */
    uint64_t exit_boot_tsc;         /* TSC just before jumping to the kernel */

    uint64_t kernel_phys_base;      /* where the loader put the kernel image */
    uint64_t kernel_phys_size;
    uint64_t rsdp_phys;             /* ACPI 2.0+ RSDP, 0 if none */

    struct kpio_framebuffer fb;

    uint32_t mem_region_count;
    uint32_t reserved0;
    struct kpio_mem_region mem_regions[KPIO_MEM_REGIONS_MAX]; /* sorted by base */

    char cmdline[KPIO_CMDLINE_MAX]; /* NUL-terminated, from the ESP config file */

    /* ---- version 2 ---- */
    uint64_t direct_map_size;       /* physical [0, this) is mapped at KPIO_DIRECT_MAP_BASE
                                       (at least 4 GiB, covers every memory-map entry) */
    uint64_t kernel_virt_base;      /* link address that kernel_phys_base backs */
    uint64_t boot_stack_phys;       /* the boot stack's physical pages (KPIO_MEM_KERNEL) */
    uint64_t kernel_loaded_tsc;     /* TSC after the kernel was read, verified and copied */
    uint64_t kernel_file_size;      /* bytes of kernel.elf on the ESP */
};

#endif
