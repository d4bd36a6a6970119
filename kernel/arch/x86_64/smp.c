/*
 * kernel/arch/x86_64/smp.c — starting every CPU the MADT lists (INIT-SIPI-SIPI,
 * Intel SDM vol. 3A §8.4.4.1) and stopping the others when one panics.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/console.h"
#include "core/panic.h"
#include "core/time.h"
#include "mm/mm.h"
#include "mm/mm_boot.h"
#include "mm/paging.h"
#include "mm/vm.h"
#include "dev/acpi.h"
#include "sched/thread.h"
#include "sched/sched_internal.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/arch.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"

#define AP_STACK_SIZE   (16ULL << 10)
#define AP_START_TIMEOUT_NS (3 * NS_PER_S)

extern const uint8_t ap_trampoline_start[], ap_trampoline_end[];
extern const uint8_t ap_tr_gdtr_base[], ap_tr_far32[], ap_tr_far64[], ap_tr_cr3[];
extern const uint8_t ap_tr_entry[], ap_tr_stacks[], ap_tr_pm32[], ap_tr_lm64[], ap_tr_gdt[];

static uint64_t ap_stack_tops[256];     /* by APIC ID, read by the trampoline */
static struct cpu *cpu_by_apic[256];

/* Write a value into the copied trampoline at the offset of `field`. */
static void patch(uint8_t *copy, const uint8_t *field, const void *value, size_t size)
{
    memcpy(copy + (field - ap_trampoline_start), value, size);
}

static uint32_t low32(uint64_t v) { return (uint32_t)v; }

/* First C code of an AP, on its own stack, still on the trampoline's CR3. */
_Noreturn void ap_entry(uint32_t apic_id)
{
    struct cpu *c = cpu_by_apic[apic_id & 0xff];
    if (!c)
        cpu_halt_forever();
    /* The kernel's GDT first: the trampoline's lives in the identity map,
     * which the kernel's CR3 does not have. */
    arch_cpu_tables_init(c->id, c->ist_top);
    write_cr3(kernel_space.pml4_phys);
    percpu_install(c);
    fpu_init_cpu();
    lapic_init_ap();
    sched_ap_start(c->id);
}

/* Build the trampoline's page tables in low memory: PML4 (below 4 GiB, as
 * CR3 is loaded in 32-bit mode), one PDPT and PD identity-mapping the first
 * 2 MiB, and the kernel half shared with the kernel's PML4. */
static uint64_t build_low_tables(uint64_t pml4_phys)
{
    uint64_t *pml4 = phys_to_virt(pml4_phys);
    uint64_t *pdpt = phys_to_virt(pml4_phys + PAGE_SIZE);
    uint64_t *pd = phys_to_virt(pml4_phys + 2 * PAGE_SIZE);
    memset(pml4, 0, 3 * PAGE_SIZE);
    pml4[0] = (pml4_phys + PAGE_SIZE) | PTE_P | PTE_W;
    pdpt[0] = (pml4_phys + 2 * PAGE_SIZE) | PTE_P | PTE_W;
    pd[0] = PTE_P | PTE_W | PTE_PS;
    const uint64_t *kpml4 = phys_to_virt(kernel_space.pml4_phys);
    for (unsigned i = 256; i < 512; i++)
        pml4[i] = kpml4[i];
    return pml4_phys;
}

static void stop_others(void)
{
    struct cpu *self = sched_percpu_ready ? this_cpu() : NULL;
    for (unsigned i = 0; i < cpu_count; i++) {
        struct cpu *c = cpus[i];
        if (c && c != self && c->online)
            lapic_send_nmi(c->apic_id);
    }
}

/* Busy-wait (boot only, before the scheduler runs). */
static void delay_ns(uint64_t ns)
{
    uint64_t end = time_ns() + ns;
    while (time_ns() < end)
        cpu_pause();
}

unsigned smp_init(void)
{
    panic_set_stop_others(stop_others);
    uint32_t bsp_apic = lapic_id();
    cpus[0]->apic_id = bsp_apic;
    cpu_by_apic[bsp_apic & 0xff] = cpus[0];

    /* Per-CPU data and stacks for every AP the MADT lists. */
    unsigned count = 1;
    for (unsigned i = 0; i < acpi.cpu_count && count < MAX_CPUS; i++) {
        uint32_t apic_id = acpi.cpus[i].apic_id;
        if (apic_id == bsp_apic || !acpi.cpus[i].enabled || apic_id > 255 || cpu_by_apic[apic_id])
            continue;
        struct cpu *c = sched_cpu_alloc(count, apic_id);
        uint64_t stack = kstack_alloc(AP_STACK_SIZE);
        if (!c || !stack) {
            log_err("smp: out of memory for CPU %u", count);
            break;
        }
        for (unsigned k = 0; k < ARCH_IST_COUNT; k++) {
            uint64_t ist = kstack_alloc(ARCH_IST_STACK_SIZE);
            if (!ist)
                panic("smp: out of memory for IST stacks");
            c->ist_top[k] = ist + ARCH_IST_STACK_SIZE;
        }
        ap_stack_tops[apic_id] = stack + AP_STACK_SIZE;
        cpu_by_apic[apic_id] = c;
        count++;
    }
    if (count == 1) {
        log_info("smp: 1 CPU");
        return 1;
    }

    /* Trampoline page + 3 page-table pages below 1 MiB. */
    uint64_t low;
    if (mm_low_memory(4, &low) != 0 || low >= (1ULL << 20) - 4 * PAGE_SIZE)
        panic("smp: no usable memory below 1 MiB for the AP trampoline");
    uint8_t *copy = phys_to_virt(low);
    size_t len = (size_t)(ap_trampoline_end - ap_trampoline_start);
    memcpy(copy, ap_trampoline_start, len);
    uint32_t v32 = low32(low + (uint64_t)(ap_tr_gdt - ap_trampoline_start));
    patch(copy, ap_tr_gdtr_base, &v32, 4);
    v32 = low32(low + (uint64_t)(ap_tr_pm32 - ap_trampoline_start));
    patch(copy, ap_tr_far32, &v32, 4);
    v32 = low32(low + (uint64_t)(ap_tr_lm64 - ap_trampoline_start));
    patch(copy, ap_tr_far64, &v32, 4);
    v32 = low32(build_low_tables(low + PAGE_SIZE));
    patch(copy, ap_tr_cr3, &v32, 4);
    uint64_t v64 = (uint64_t)(uintptr_t)ap_entry;
    patch(copy, ap_tr_entry, &v64, 8);
    v64 = (uint64_t)(uintptr_t)ap_stack_tops;
    patch(copy, ap_tr_stacks, &v64, 8);
    cpu_count = count;

    /* INIT to all, 10 ms, then STARTUP twice (SDM §8.4.4.1). */
    uint8_t page = (uint8_t)(low >> 12);
    for (unsigned i = 1; i < count; i++)
        lapic_send_init(cpus[i]->apic_id);
    delay_ns(10 * NS_PER_MS);
    for (unsigned i = 1; i < count; i++)
        lapic_send_startup(cpus[i]->apic_id, page);
    delay_ns(200 * NS_PER_US);
    for (unsigned i = 1; i < count; i++)
        if (!__atomic_load_n(&cpus[i]->online, __ATOMIC_ACQUIRE))
            lapic_send_startup(cpus[i]->apic_id, page);

    uint64_t deadline = time_ns() + AP_START_TIMEOUT_NS;
    unsigned online;
    do {
        online = 1;
        for (unsigned i = 1; i < count; i++)
            online += __atomic_load_n(&cpus[i]->online, __ATOMIC_ACQUIRE);
        if (online == count)
            break;
        cpu_pause();
    } while (time_ns() < deadline);
    for (unsigned i = 1; i < count; i++)
        if (!cpus[i]->online)
            log_err("smp: CPU %u (APIC %u) did not start", i, cpus[i]->apic_id);
    log_info("smp: %u of %u CPUs online", online, count);
    return online;
}

static volatile uint64_t printers_started;

/* Printers run at normal priority: they never sleep, so at a higher one they
 * would starve the boot thread if the scheduler placed it on their CPU. */
static void keep_printing(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    for (unsigned long n = 0;; n++) {
        console_printf("smp crash test: cpu %u still running (%lu)\n", id, n);
        __atomic_or_fetch(&printers_started, 1ULL << id, __ATOMIC_RELEASE);
        uint64_t end = time_ns() + 200 * NS_PER_US;
        while (time_ns() < end)
            cpu_pause();
    }
}

_Noreturn void smp_crashtest(void)
{
    uint64_t want = 0;
    for (unsigned i = 1; i < cpu_count; i++) {
        if (!cpus[i] || !cpus[i]->online)
            continue;
        struct thread_opts opts = { .cpu = (int)i };
        if (thread_create_opts("printer", keep_printing, (void *)(uintptr_t)i, PRIO_NORMAL, &opts))
            want |= 1ULL << i;
    }
    /* Panic once every printer is going (however slowly the host runs us). */
    uint64_t deadline = time_ns() + 10 * NS_PER_S;
    while ((__atomic_load_n(&printers_started, __ATOMIC_ACQUIRE) & want) != want && time_ns() < deadline)
        thread_sleep_ns(NS_PER_MS);
    thread_sleep_ns(20 * NS_PER_MS);
    panic("crash test: panic with %u CPUs busy (crash=smp)", cpu_count);
}
