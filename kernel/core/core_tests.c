/*
 * kernel/core/core_tests.c — in-kernel tests of the boot info, the log ring
 * the symbol table and the test runner.
 */
#include "core/kernel.h"
#include "core/ksyms.h"
#include "core/ktest.h"
#include "core/log.h"
#include "lib/lib.h"
#include "fs/vfs.h"
#include "sched/thread.h"

/* The loader's memory map: sorted, disjoint, page-granular, with the kernel
 * image inside a KPIO_MEM_KERNEL region and enough usable memory. */
KTEST(boot_info_memory_map)
{
    const struct kpio_boot_info *bi = &boot_info;
    uint64_t usable = 0;
    bool kernel_found = false;
    KT_ASSERT(bi->mem_region_count > 0 && bi->mem_region_count <= KPIO_MEM_REGIONS_MAX);
    for (uint32_t i = 0; i < bi->mem_region_count; i++) {
        const struct kpio_mem_region *r = &bi->mem_regions[i];
        KT_ASSERT(r->pages > 0);
        KT_ASSERT(r->type >= KPIO_MEM_USABLE && r->type <= KPIO_MEM_BAD);
        KT_ASSERT((r->base & 0xfff) == 0);
        if (i > 0) {
            const struct kpio_mem_region *p = &bi->mem_regions[i - 1];
            KT_ASSERT(p->base + p->pages * 4096 <= r->base);
        }
        if (r->type == KPIO_MEM_USABLE)
            usable += r->pages * 4096;
        if (r->type == KPIO_MEM_KERNEL && r->base <= bi->kernel_phys_base &&
            bi->kernel_phys_base + bi->kernel_phys_size <= r->base + r->pages * 4096)
            kernel_found = true;
    }
    KT_ASSERT(kernel_found);
    KT_ASSERT(usable >= 128ULL << 20);      /* the smallest configuration is 256 MiB */
    KT_ASSERT(bi->direct_map_size >= 4ULL << 30);
    KT_ASSERT(bi->kernel_virt_base == KPIO_KERNEL_BASE);
}

/* The ACPI RSDP the loader found carries its signature and a valid checksum
 * (ACPI 6.5 §5.2.5.3: the first 20 bytes sum to zero). */
KTEST(boot_info_rsdp)
{
    KT_ASSERT(boot_info.rsdp_phys != 0);
    const uint8_t *rsdp = (const uint8_t *)(uintptr_t)(KPIO_DIRECT_MAP_BASE + boot_info.rsdp_phys);
    KT_ASSERT(memcmp(rsdp, "RSD PTR ", 8) == 0);
    uint8_t sum = 0;
    for (int i = 0; i < 20; i++)
        sum = (uint8_t)(sum + rsdp[i]);
    KT_ASSERT_EQ(sum, 0);
}

/* The ring keeps the newest lines; once it has wrapped, a snapshot still
 * starts at a line boundary and ends with the last message. */
KTEST(log_ring_wraps)
{
    static char snap[80 * 1024];
    for (unsigned i = 0; i < 2000; i++)             /* ~100 KiB: wraps the 64 KiB ring */
        log_debug("log ring test line %u padding padding padding padding", i);
    size_t n = log_snapshot(snap, sizeof(snap));
    KT_ASSERT(n > 32 * 1024 && n <= 64 * 1024);
    KT_ASSERT_EQ(strlen(snap), n);
    KT_ASSERT(snap[0] == '[');                      /* a whole line first */
    KT_ASSERT(snap[n - 1] == '\n');
    const char *last_line = snap + n - 1;
    while (last_line > snap && last_line[-1] != '\n')
        last_line--;
    const char *text = strchr(last_line, ']');
    KT_ASSERT(text && strncmp(text, "] log ring test line 1999 ", 26) == 0);
    /* A short buffer gets the newest whole lines only. */
    char small[100];
    n = log_snapshot(small, sizeof(small));
    KT_ASSERT(n < sizeof(small) && small[0] == '[' && small[n - 1] == '\n');
}

/* The embedded symbol table resolves the kernel's own functions. */
KTEST(ksyms_lookup)
{
    uint64_t off = 99;
    uint64_t addr = (uint64_t)(uintptr_t)ktest_main;
    KT_ASSERT(ksym_count() > 50);
    const char *name = ksym_lookup(addr, &off);
    KT_ASSERT(name && strcmp(name, "ktest_main") == 0);
    KT_ASSERT_EQ(off, 0);
    name = ksym_lookup(addr + 5, &off);
    KT_ASSERT(name && strcmp(name, "ktest_main") == 0);
    KT_ASSERT_EQ(off, 5);
    KT_ASSERT_EQ(ksym_address("ktest_main"), addr);
    KT_ASSERT_EQ(ksym_address("no_such_function"), 0);
    KT_ASSERT(ksym_lookup(0x1000, &off) == NULL);
}

/* ---- the test runner itself ---- */

static void count_busy_scanners(struct thread *t, void *ctx)
{
    if (strcmp(t->name, "fat-scan") == 0 && t->state != THREAD_DEAD)
        (*(unsigned *)ctx)++;
}

/* Tests start on a settled kernel: the storage thread has mounted /data and
 * its allocation-table scan is over, so leak checks that compare the heap's
 * counters see only their own work (net_loopback_tcp_transfer did not, when
 * run alone, before the runner waited for this). */
KTEST(ktest_starts_after_boot_work)
{
    unsigned scanning = 0;
    sched_for_each_thread(count_busy_scanners, &scanning);
    KT_ASSERT_EQ(scanning, 0);
    struct vfs_statfs st;
    KT_ASSERT_EQ(vfs_statfs(NULL, "/data", 0, &st), 0);
    KT_ASSERT(strncmp(st.fs_type, "fat", 3) == 0);     /* the data volume, not the root's tmpfs */
}
