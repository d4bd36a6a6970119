/*
 * boot/memmap.c — turn the firmware's memory map (UEFI 2.10 §7.2.3
 * GetMemoryMap) into the kernel's sorted list of struct kpio_mem_region.
 */
#include "loader.h"
#include "efi.h"
#include "lib/lib.h"

/* What the kernel may do with each kind of firmware memory once boot services
 * are gone: boot-services and loader memory become free RAM, runtime services
 * memory stays reserved (a later kernel might call runtime services). */
static uint32_t kpio_type(uint32_t efi_type)
{
    switch (efi_type) {
    case EFI_CONVENTIONAL_MEMORY:
    case EFI_BOOT_SERVICES_CODE:
    case EFI_BOOT_SERVICES_DATA:
    case EFI_LOADER_CODE:
    case EFI_LOADER_DATA:
        return KPIO_MEM_USABLE;
    case EFI_ACPI_RECLAIM_MEMORY:
        return KPIO_MEM_ACPI_RECLAIM;
    case EFI_ACPI_MEMORY_NVS:
        return KPIO_MEM_ACPI_NVS;
    case EFI_MEMORY_MAPPED_IO:
    case EFI_MEMORY_MAPPED_IO_PORT_SPACE:
        return KPIO_MEM_MMIO;
    case EFI_UNUSABLE_MEMORY:
        return KPIO_MEM_BAD;
    case EFI_KPIO_KERNEL_MEMORY:
        return KPIO_MEM_KERNEL;
    case EFI_KPIO_LOADER_MEMORY:
        return KPIO_MEM_LOADER;
    default:
        return KPIO_MEM_RESERVED;
    }
}

static const efi_memory_descriptor *descriptor(const void *map, size_t i, size_t desc_size)
{
    return (const efi_memory_descriptor *)((const uint8_t *)map + i * desc_size);
}

int memmap_convert(const void *efi_map, size_t count, size_t desc_size,
                   struct kpio_mem_region *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < count; i++) {
        const efi_memory_descriptor *d = descriptor(efi_map, i, desc_size);
        if (d->number_of_pages == 0)
            continue;
        struct kpio_mem_region r = { d->physical_start, d->number_of_pages,
                                     kpio_type(d->type), 0 };
        /* Insertion sort by base: the firmware's map is usually sorted already,
         * so this is linear in practice. */
        size_t j = n;
        while (j > 0 && out[j - 1].base > r.base)
            j--;
        /* Merge with the neighbour below when contiguous and of the same type. */
        if (j > 0 && out[j - 1].type == r.type &&
            out[j - 1].base + out[j - 1].pages * 4096 == r.base) {
            out[j - 1].pages += r.pages;
        } else {
            if (n == max)
                return -1;
            memmove(&out[j + 1], &out[j], (n - j) * sizeof(out[0]));
            out[j] = r;
            n++;
        }
    }
    /* A second pass merges runs that became adjacent through out-of-order input. */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (w > 0 && out[w - 1].type == out[i].type &&
            out[w - 1].base + out[w - 1].pages * 4096 == out[i].base)
            out[w - 1].pages += out[i].pages;
        else
            out[w++] = out[i];
    }
    return (int)w;
}

uint64_t memmap_top(const void *efi_map, size_t count, size_t desc_size)
{
    uint64_t top = 0;
    for (size_t i = 0; i < count; i++) {
        const efi_memory_descriptor *d = descriptor(efi_map, i, desc_size);
        uint64_t end = d->physical_start + d->number_of_pages * 4096;
        if (end > top)
            top = end;
    }
    return top;
}
