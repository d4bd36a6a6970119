/*
 * boot/main.c — the KPIO UEFI loader (BOOTX64.EFI).
 *
 * 1. read \EFI\KPIO\KPIO.CFG and the kernel it names from the boot volume;
 * 2. verify the kernel's SHA-256 and its ELF structure (boot/elf_check.c);
 * 3. copy its segments into fresh pages, build page tables (boot/paging.c);
 * 4. gather framebuffer, ACPI RSDP, memory map and command line into
 *    struct kpio_boot_info (include/kpio/boot.h);
 * 5. exit boot services and jump to the kernel's entry point.
 *
 * Every failure before step 5 prints "KPIO loader error: ..." on ConOut (the
 * screen, and the serial port through OVMF) and returns an error status, so
 * that the firmware's boot manager carries on with its next option.
 */
#include "loader.h"
#include "efi.h"
#include "lib/lib.h"
#include "lib/sha256.h"

#define CONFIG_FILE "\\EFI\\KPIO\\KPIO.CFG"
#define KERNEL_MAX_FILE_SIZE (64ULL << 20)

static efi_boot_services *bs;

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

__attribute__((format(printf, 2, 3)))
static efi_status fail(efi_status status, const char *fmt, ...)
{
    char msg[LOADER_ERR_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    con_printf("KPIO loader error: %s\n", msg);
    con_printf("KPIO loader: returning to the firmware.\n");
    return status;
}

/* Allocate zeroed pages of one of our own memory types; 0 on failure. */
static uint64_t alloc_pages(uint64_t pages, uint32_t type)
{
    efi_phys_addr addr = 0;
    if (EFI_IS_ERROR(bs->allocate_pages(EFI_ALLOCATE_ANY_PAGES, type, pages, &addr)))
        return 0;
    memset((void *)(uintptr_t)addr, 0, pages * 4096);
    return addr;
}

static bool guid_equal(const efi_guid *a, const efi_guid *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* The ACPI RSDP from the configuration table (UEFI 2.10 §4.6): ACPI 2.0+
 * preferred, 1.0 accepted; 0 if the firmware has none. */
static uint64_t find_rsdp(efi_system_table *st)
{
    static const efi_guid acpi20 = EFI_ACPI_20_TABLE_GUID, acpi10 = EFI_ACPI_10_TABLE_GUID;
    uint64_t found = 0;
    for (uint64_t i = 0; i < st->number_of_table_entries; i++) {
        const efi_configuration_table *t = &st->configuration_table[i];
        if (guid_equal(&t->vendor_guid, &acpi20))
            return (uint64_t)(uintptr_t)t->vendor_table;
        if (guid_equal(&t->vendor_guid, &acpi10))
            found = (uint64_t)(uintptr_t)t->vendor_table;
    }
    return found;
}

/* The GOP framebuffer in its current mode, if it is a plain 32-bit one. */
static void find_framebuffer(struct kpio_framebuffer *fb)
{
    static const efi_guid gop_guid = EFI_GOP_GUID;
    efi_gop *gop;
    memset(fb, 0, sizeof(*fb));
    if (EFI_IS_ERROR(bs->locate_protocol(&gop_guid, NULL, (void **)&gop)) || !gop->mode)
        return;
    const efi_gop_mode_info *info = gop->mode->info;
    if (info->pixel_format == EFI_PIXEL_BGRX8)
        fb->format = KPIO_FB_BGRX8888;
    else if (info->pixel_format == EFI_PIXEL_RGBX8)
        fb->format = KPIO_FB_RGBX8888;
    else
        return;                 /* bit masks or Blt only: no linear framebuffer for us */
    fb->phys_base = gop->mode->frame_buffer_base;
    fb->size = gop->mode->frame_buffer_size;
    fb->width = info->horizontal_resolution;
    fb->height = info->vertical_resolution;
    fb->pitch = info->pixels_per_scan_line * 4;
}

struct memory_map {
    efi_memory_descriptor *buf;
    uint64_t capacity, size, key, desc_size;
    uint32_t desc_version;
};

/* Fetch the current memory map into map->buf, growing it if needed (the buffer
 * is allocated with slack, because allocating it adds descriptors). */
static efi_status get_memory_map(struct memory_map *map, bool may_allocate)
{
    for (;;) {
        map->size = map->capacity;
        efi_status s = bs->get_memory_map(&map->size, map->buf, &map->key, &map->desc_size,
                                          &map->desc_version);
        if (s != EFI_BUFFER_TOO_SMALL || !may_allocate)
            return s;
        if (map->buf)
            bs->free_pool(map->buf);
        map->capacity = map->size + 16 * sizeof(efi_memory_descriptor) * 2;
        if (EFI_IS_ERROR(bs->allocate_pool(EFI_LOADER_DATA, map->capacity, (void **)&map->buf)))
            return EFI_OUT_OF_RESOURCES;
    }
}

/* Never returns: load CR3 with the new tables, switch to the boot stack and
 * jump to the kernel with rdi = the boot info's direct-map address. */
__attribute__((noreturn))
static void enter_kernel(uint64_t pml4, uint64_t entry, uint64_t boot_info)
{
    /* EFER.NXE (Intel SDM vol. 3A §4.1.4) must be on before NX bits are used. */
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000080u));
    lo |= 1u << 11;
    __asm__ volatile("wrmsr" : : "a"(lo), "d"(hi), "c"(0xc0000080u));

    __asm__ volatile("cli\n\t"
                     "mov %0, %%cr3\n\t"
                     "mov %1, %%rsp\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "push $0\n\t"      /* a null return address ends backtraces */
                     "jmp *%2"
                     : : "r"(pml4), "r"(KPIO_BOOT_STACK_TOP), "r"(entry), "D"(boot_info)
                     : "memory");
    __builtin_unreachable();
}

/* Last-resort output once ConOut is gone: COM1 polled (16550 at 0x3f8). */
static void serial_write(const char *s)
{
    for (; *s; s++) {
        uint8_t lsr;
        do
            __asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((uint16_t)0x3fd));
        while (!(lsr & 0x20));
        __asm__ volatile("outb %0, %1" : : "a"(*s), "Nd"((uint16_t)0x3f8));
    }
}

efi_status EFIAPI efi_main(efi_handle image, efi_system_table *st)
{
    uint64_t start_tsc = rdtsc();
    char err[LOADER_ERR_MAX];
    static struct boot_config cfg;
    static struct elf_image elf;

    con_init(st);
    bs = st->boot_services;

    /* 1. Configuration and kernel file. */
    void *cfg_text, *kernel;
    uint64_t cfg_size, kernel_size;
    if (file_read(image, CONFIG_FILE, &cfg_text, &cfg_size, CONFIG_MAX_SIZE) < 0)
        return fail(EFI_NOT_FOUND, "no usable configuration file " CONFIG_FILE);
    int rc = config_parse(cfg_text, cfg_size, &cfg, err, sizeof(err));
    bs->free_pool(cfg_text);
    if (rc < 0)
        return fail(EFI_LOAD_ERROR, "bad configuration file " CONFIG_FILE ": %s", err);
    if (file_read(image, cfg.kernel_path, &kernel, &kernel_size, KERNEL_MAX_FILE_SIZE) < 0)
        return fail(EFI_NOT_FOUND, "cannot read the kernel %s", cfg.kernel_path);

    /* 2. Verification. */
    uint8_t digest[32];
    sha256(kernel, kernel_size, digest);
    if (memcmp(digest, cfg.kernel_sha256, 32) != 0) {
        bs->free_pool(kernel);
        return fail(EFI_CRC_ERROR, "kernel %s is corrupt: its SHA-256 differs from the one in "
                    "the configuration (%llu bytes read)", cfg.kernel_path,
                    (unsigned long long)kernel_size);
    }
    if (elf_check(kernel, kernel_size, KPIO_KERNEL_BASE, KPIO_KERNEL_BASE + KPIO_KERNEL_MAX_SIZE,
                  &elf, err, sizeof(err)) < 0) {
        bs->free_pool(kernel);
        return fail(EFI_LOAD_ERROR, "kernel %s is not loadable: %s", cfg.kernel_path, err);
    }

    /* 3. Memory for the kernel, its stack and the boot info; copy the segments. */
    uint64_t kernel_pages = (elf.vend - elf.vbase) / 4096;
    uint64_t info_pages = ALIGN_UP(sizeof(struct kpio_boot_info), 4096) / 4096;
    uint64_t kernel_phys = alloc_pages(kernel_pages, EFI_KPIO_KERNEL_MEMORY);
    uint64_t stack_phys = alloc_pages(KPIO_BOOT_STACK_SIZE / 4096, EFI_KPIO_KERNEL_MEMORY);
    uint64_t info_phys = alloc_pages(info_pages, EFI_KPIO_LOADER_MEMORY);
    if (!kernel_phys || !stack_phys || !info_phys)
        return fail(EFI_OUT_OF_RESOURCES, "out of memory for the kernel (%llu pages)",
                    (unsigned long long)kernel_pages);
    for (unsigned i = 0; i < elf.segment_count; i++) {
        const struct elf_segment *s = &elf.segments[i];
        memcpy((void *)(uintptr_t)(kernel_phys + (s->vaddr - elf.vbase)),
               (const uint8_t *)kernel + s->offset, s->filesz);
    }
    bs->free_pool(kernel);
    uint64_t loaded_tsc = rdtsc();

    /* 4. Boot info: everything but the memory map, which comes last. */
    struct kpio_boot_info *info = (struct kpio_boot_info *)(uintptr_t)info_phys;
    info->magic = KPIO_BOOT_MAGIC;
    info->version = KPIO_BOOT_VERSION;
    info->size = sizeof(*info);
    info->loader_start_tsc = start_tsc;
    info->kernel_loaded_tsc = loaded_tsc;
    info->kernel_phys_base = kernel_phys;
    info->kernel_phys_size = kernel_pages * 4096;
    info->kernel_virt_base = elf.vbase;
    info->kernel_file_size = kernel_size;
    info->boot_stack_phys = stack_phys;
    info->rsdp_phys = find_rsdp(st);
    find_framebuffer(&info->fb);
    strlcpy(info->cmdline, cfg.cmdline, sizeof(info->cmdline));

    /* Page tables: the direct map covers every memory-map entry, at least 4 GiB. */
    struct memory_map map = { 0 };
    if (EFI_IS_ERROR(get_memory_map(&map, true)))
        return fail(EFI_OUT_OF_RESOURCES, "cannot read the memory map");
    uint64_t top = memmap_top(map.buf, map.size / map.desc_size, map.desc_size);
    uint64_t direct = ALIGN_UP(MAX(top, 4ULL << 30), 1ULL << 30);
    if (direct > (512ULL << 30))
        direct = 512ULL << 30;  /* one PML4 slot; the kernel maps anything beyond */
    info->direct_map_size = direct;
    struct paging_plan plan = { direct, &elf, kernel_phys, stack_phys };
    uint64_t pool_pages = paging_pages_needed(&plan);
    uint64_t pool = alloc_pages(pool_pages, EFI_KPIO_LOADER_MEMORY);
    uint64_t pml4;
    if (!pool || paging_build(&plan, pool, pool_pages, &pml4) < 0)
        return fail(EFI_OUT_OF_RESOURCES, "cannot build page tables (%llu pages)",
                    (unsigned long long)pool_pages);

    con_printf("KPIO loader: kernel %s verified (%llu KiB), starting it\n", cfg.kernel_path,
               (unsigned long long)(kernel_size / 1024));

    /* 5. Final memory map, exit boot services (UEFI 2.10 §7.4.6: retry with a
     *    fresh map if it changed in between), jump. */
    for (int attempt = 0;; attempt++) {
        efi_status s = get_memory_map(&map, attempt == 0);
        int n = EFI_IS_ERROR(s) ? -1
              : memmap_convert(map.buf, map.size / map.desc_size, map.desc_size,
                               info->mem_regions, KPIO_MEM_REGIONS_MAX);
        if (n < 0) {
            if (attempt == 0)
                return fail(EFI_OUT_OF_RESOURCES, "cannot convert the memory map");
            serial_write("KPIO loader error: memory map lost after ExitBootServices\r\n");
            for (;;)
                __asm__ volatile("cli; hlt");
        }
        info->mem_region_count = (uint32_t)n;
        if (!EFI_IS_ERROR(bs->exit_boot_services(image, map.key)))
            break;
        if (attempt == 2) {
            serial_write("KPIO loader error: ExitBootServices keeps failing\r\n");
            for (;;)
                __asm__ volatile("cli; hlt");
        }
    }
    info->exit_boot_tsc = rdtsc();
    enter_kernel(pml4, elf.entry, KPIO_DIRECT_MAP_BASE + info_phys);
}
