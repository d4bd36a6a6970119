/*
 * kernel/core/main.c — the kernel's init sequence, from the loader's jump
 * (kernel/arch/x86_64/entry.S) to the monitor prompt.
 *
 * The order, and who provides each step:
 *
 *   boot helper (this branch):
 *     1. copy the boot info, early serial console, command line
 *     2. GDT, TSS with IST stacks, IDT (exceptions now get a full report)
 *     3. framebuffer console
 *   core helper (kernel/mm, kernel/sched, kernel/dev, kernel/core):
 *     4. mm_init(&boot_info)      frames from boot_info.mem_regions, the kernel's
 *                                 own page tables (dropping the loader's identity
 *                                 map), the heap
 *     5. acpi_init(boot_info.rsdp_phys)   tables: MADT, FADT, HPET, MCFG
 *     6. interrupts_init()        mask the 8259s, LAPIC, IOAPIC; then sti is allowed
 *     7. time_init()              TSC calibration, time_ns(), RTC wall clock
 *     8. sched_init()             the boot flow becomes a thread; idle threads
 *     9. smp_init()               start the other CPUs (their first C code calls
 *                                 arch_cpu_tables_init(cpu, ist_tops)); install
 *                                 panic_set_stop_others(...)
 *    10. serial_init()            interrupt-driven COM1 (replaces the early console
 *                                 with console_unregister/console_register)
 *   then, here:
 *    11. kernel_prompt_tsc = now; crash= (crashtest.c) crashes on purpose;
 *        test=/bench= run ktest_main() and exit QEMU;
 *    12. otherwise app_start() (kernel/app) runs the first WebAssembly program
 *        (the shell) on the console and never returns; with init=monitor,
 *        monitor_start() (core helper) shows `kpio> ` instead.
 *
 * From step 8 on, this function runs as the kernel thread "main".
 */
#include "core/kernel.h"
#include "app/app_start.h"
#include "core/cmdline.h"
#include "core/console.h"
#include "core/crashtest.h"
#include "core/ksyms.h"
#include "core/ktest.h"
#include "core/log.h"
#include "core/panic.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "dev/fbcon.h"
#include "dev/serial_early.h"
#include "lib/lib.h"
#include "fs/storage.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/smp.h"
#include "core/monitor.h"
#include "core/time_boot.h"
#include "dev/acpi.h"
#include "dev/serial.h"
#include "mm/mm_boot.h"
#include "net/net.h"
#include "sched/thread.h"


struct kpio_boot_info boot_info;
uint64_t kernel_entry_tsc;
uint64_t kernel_prompt_tsc;

/* Copy the loader's boot info after checking that it is one we understand;
 * returns false (after saying why on the serial console) otherwise. */
static bool take_boot_info(const struct kpio_boot_info *bi)
{
    if (!bi || bi->magic != KPIO_BOOT_MAGIC) {
        console_puts("kernel: no KPIO boot info (bad magic): was this started by BOOTX64.EFI?\n");
        return false;
    }
    if (bi->version != KPIO_BOOT_VERSION || bi->size != sizeof(boot_info)) {
        console_printf("kernel: boot info version %u size %u, expected version %u size %u: "
                       "the loader and the kernel come from different builds\n",
                       bi->version, bi->size, KPIO_BOOT_VERSION, (unsigned)sizeof(boot_info));
        return false;
    }
    memcpy(&boot_info, bi, sizeof(boot_info));
    boot_info.cmdline[KPIO_CMDLINE_MAX - 1] = 0;
    if (boot_info.mem_region_count > KPIO_MEM_REGIONS_MAX)
        boot_info.mem_region_count = KPIO_MEM_REGIONS_MAX;
    return true;
}

static uint64_t usable_mib(void)
{
    uint64_t pages = 0;
    for (uint32_t i = 0; i < boot_info.mem_region_count; i++) {
        if (boot_info.mem_regions[i].type == KPIO_MEM_USABLE)
            pages += boot_info.mem_regions[i].pages;
    }
    return pages * 4096 >> 20;
}

_Noreturn void kernel_main(const struct kpio_boot_info *bi)
{
    kernel_entry_tsc = rdtsc();

    /* 1. */
    serial_early_init();
    if (!take_boot_info(bi))
        cpu_halt_forever();
    cmdline_init(boot_info.cmdline);
    kernel_test_mode = cmdline_get("test") || cmdline_get("bench") || cmdline_get("crash");
    log_set_console_level((int)cmdline_get_u64("loglevel", KLOG_INFO));

    /* 2. */
    arch_init_boot_cpu();

    /* 3. */
    const char *console = cmdline_get("console");
    if (!console || strcmp(console, "serial") != 0)
        fbcon_init(&boot_info.fb);
    if (console && strcmp(console, "fb") == 0 && fbcon_active())
        console_unregister(&serial_early_console);

    log_info("KPIO %s: %llu MiB usable memory, %u memory regions, %u symbols",
             KPIO_VERSION, (unsigned long long)usable_mib(), boot_info.mem_region_count,
             ksym_count());
    log_info("command line: %s", boot_info.cmdline[0] ? boot_info.cmdline : "(empty)");

    /* 4-10. */
    mm_init(&boot_info);
    acpi_init(boot_info.rsdp_phys);
    interrupts_init();
    time_init();
    sched_init();
    smp_init();
    serial_init();
    storage_init();
    net_init();

    /* 11. */
    kernel_prompt_tsc = rdtsc();
    crashtest_main();
    ktest_main();

    /* 12. The first program on the console (kernel/app); it returns only
     * when the kernel monitor should have the console (init=monitor). */
    app_start();
    monitor_start();
}
