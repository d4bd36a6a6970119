/*
 * kernel/arch/x86_64/smp_tests.c — in-kernel tests of SMP start-up, TLB
 * shootdown across CPUs, the clock across CPUs, interrupt vectors, and the
 * devices behind the clocks and power control (ACPI tables, HPET, RTC).
 */
#include "lib/lib.h"
#include "core/ktest.h"
#include "core/log.h"
#include "core/time.h"
#include "core/time_boot.h"
#include "dev/acpi.h"
#include "dev/clocks.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "sched/thread.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

/* Every enabled CPU of the MADT is online, each with its own APIC ID. */
KTEST(smp_every_madt_cpu_online)
{
    unsigned enabled = 0;
    for (unsigned i = 0; i < acpi.cpu_count; i++)
        enabled += acpi.cpus[i].enabled;
    KT_ASSERT_EQ(cpus_online(), MIN(enabled, (unsigned)MAX_CPUS));
    for (unsigned i = 0; i < cpu_count; i++)
        for (unsigned j = i + 1; j < cpu_count; j++)
            KT_ASSERT(cpus[i]->apic_id != cpus[j]->apic_id);
}

/* ---- TLB shootdown ---- */

static volatile uint64_t *shared_va;
static volatile int phase;
static volatile uint64_t seen_first, seen_second;

/* On the remote CPU: read the page (its TLB now caches the translation),
 * spin (no switch, no CR3 write) until the page was remapped, read again. */
static void remote_reader(void *arg)
{
    (void)arg;
    seen_first = *shared_va;
    __atomic_store_n(&phase, 1, __ATOMIC_RELEASE);
    uint64_t end = time_ns() + 10 * NS_PER_S;
    while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) != 2 && time_ns() < end)
        cpu_pause();
    seen_second = *shared_va;
}

struct remap_job {
    uint64_t va, frame_a, frame_b;
    int rc;
};

/* On CPU 0: swap the page under the reader's feet. */
static void remapper(void *arg)
{
    struct remap_job *job = arg;
    uint64_t end = time_ns() + 10 * NS_PER_S;
    while (__atomic_load_n(&phase, __ATOMIC_ACQUIRE) != 1 && time_ns() < end)
        cpu_pause();
    job->rc = vm_unmap(&kernel_space, job->va, 4096);
    if (job->rc == 0)
        job->rc = vm_map(&kernel_space, job->va, job->frame_b, 4096, VM_READ | VM_WRITE);
    __atomic_store_n(&phase, 2, __ATOMIC_RELEASE);
}

/* A page remapped on one CPU is seen remapped on another at once: the
 * unmap's shootdown reached the other CPU's TLB. */
KTEST(smp_tlb_shootdown_seen_by_other_cpu)
{
    if (cpus_online() < 2) {
        log_info("smp_tlb_shootdown: one CPU, nothing to shoot down");
        return;
    }
    int far = (int)cpu_count - 1;
    while (far > 0 && !cpus[far]->online)
        far--;
    struct vm_region *r = vm_reserve(&kernel_space, "test-tlb", 2 << 20, NULL, NULL);
    KT_ASSERT(r != NULL);
    struct remap_job job = { .va = r->start, .frame_a = frame_alloc(0), .frame_b = frame_alloc(0) };
    KT_ASSERT(job.frame_a && job.frame_b);
    *(uint64_t *)phys_to_virt(job.frame_a) = 0xaaaa;
    *(uint64_t *)phys_to_virt(job.frame_b) = 0xbbbb;
    KT_ASSERT_EQ(vm_map(&kernel_space, job.va, job.frame_a, 4096, VM_READ | VM_WRITE), 0);
    shared_va = (volatile uint64_t *)(uintptr_t)job.va;
    phase = 0;
    seen_first = seen_second = 0;
    uint64_t served_before = cpus[far]->tlb_shootdowns;
    struct thread_opts on_far = { .cpu = far }, on_zero = { .cpu = 0 };
    struct thread *reader = thread_create_opts("tlb-reader", remote_reader, NULL, PRIO_NORMAL, &on_far);
    struct thread *writer = thread_create_opts("tlb-remap", remapper, &job, PRIO_NORMAL, &on_zero);
    thread_join(reader);
    thread_join(writer);
    KT_ASSERT_EQ(job.rc, 0);
    KT_ASSERT_EQ(seen_first, 0xaaaa);
    KT_ASSERT_EQ(seen_second, 0xbbbb);
    KT_ASSERT(cpus[far]->tlb_shootdowns > served_before);
    vm_unmap(&kernel_space, job.va, 4096);
    frame_free(job.frame_a, 0);
    frame_free(job.frame_b, 0);
    vm_release(r);
}

/* ---- clocks ---- */

static volatile uint64_t latest_ns;
static volatile int clock_backwards;

static void clock_reader(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        uint64_t seen = __atomic_load_n(&latest_ns, __ATOMIC_ACQUIRE);
        uint64_t now = time_ns();
        if (now < seen)
            clock_backwards = 1;
        uint64_t cur = seen;
        while (cur < now && !__atomic_compare_exchange_n(&latest_ns, &cur, now, false,
                                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            ;
    }
}

/* time_ns() read on one CPU after another CPU's reading is never smaller. */
KTEST(smp_clock_monotonic_across_cpus)
{
    struct thread *t[MAX_CPUS];
    unsigned n = 0;
    latest_ns = 0;
    clock_backwards = 0;
    for (unsigned c = 0; c < cpu_count; c++) {
        if (!cpus[c] || !cpus[c]->online)
            continue;
        struct thread_opts opts = { .cpu = (int)c };
        t[n++] = thread_create_opts("clock", clock_reader, NULL, PRIO_NORMAL, &opts);
    }
    for (unsigned i = 0; i < n; i++)
        thread_join(t[i]);
    KT_ASSERT(!clock_backwards);
}

/* The calibrated clock agrees with the HPET over 50 ms (within 1%). */
KTEST(dev_clock_agrees_with_hpet)
{
    if (!hpet_present()) {
        log_info("dev_clock_agrees_with_hpet: no HPET (calibrated against the PIT)");
        return;
    }
    uint64_t hz = hpet_frequency();
    uint64_t best_error = ~0ULL;
    for (int attempt = 0; attempt < 3 && best_error > 10; attempt++) {
        uint64_t flags = irq_save();
        uint64_t h0 = hpet_counter(), t0 = time_ns();
        while ((hpet_counter() - h0) < hz / 20)
            cpu_pause();
        uint64_t h1 = hpet_counter(), t1 = time_ns();
        irq_restore(flags);
        uint64_t hpet_ns = (h1 - h0) * NS_PER_S / hz;
        uint64_t clock_ns = t1 - t0;
        uint64_t diff = hpet_ns > clock_ns ? hpet_ns - clock_ns : clock_ns - hpet_ns;
        uint64_t error = diff * 1000 / hpet_ns;     /* per mille */
        best_error = MIN(best_error, error);
    }
    KT_ASSERT(best_error <= 10);
}

/* The wall clock is a sane date and agrees with a fresh RTC reading. */
KTEST(dev_rtc_wall_clock)
{
    int64_t now = time_unix_ns() / (int64_t)NS_PER_S;
    KT_ASSERT(now > 1577836800);                /* 2020-01-01 */
    KT_ASSERT(now < 4102444800LL);              /* 2100-01-01 */
    int64_t rtc = rtc_read_unix(acpi.century_index);
    KT_ASSERT(rtc > 0);
    KT_ASSERT(rtc - now <= 2 && now - rtc <= 2);
}

/* What the ACPI tables of QEMU's q35 machine must give us. */
KTEST(dev_acpi_tables)
{
    KT_ASSERT(acpi.has_madt && acpi.has_fadt);
    KT_ASSERT(acpi.cpu_count >= cpus_online());
    KT_ASSERT(acpi.ioapic_count >= 1);
    KT_ASSERT(acpi.has_hpet == hpet_present());    /* q35 has one unless hpet=off */
    KT_ASSERT(acpi.mcfg_count >= 1);            /* q35 has PCI Express ECAM */
    KT_ASSERT(acpi.has_s5);
    KT_ASSERT(acpi.pm1a_cnt.address != 0);
    KT_ASSERT(acpi.has_reset_reg);
    KT_ASSERT_EQ(acpi.bad_tables, 0);
}

static volatile unsigned vector_hits;
static volatile unsigned vector_cpu;

static void count_vector(void *ctx)
{
    (void)ctx;
    vector_hits++;
    vector_cpu = this_cpu_id();
}

/* A device vector from irq_alloc_vector reaches its handler (a self-IPI
 * stands in for the device). */
KTEST(dev_irq_vector_dispatch)
{
    int v = irq_alloc_vector(count_vector, NULL);
    KT_ASSERT(v >= VEC_IRQ_FIRST && v <= VEC_IRQ_LAST);
    vector_hits = 0;
    preempt_disable();
    unsigned me = this_cpu_id();
    lapic_send_ipi(this_cpu()->apic_id, (uint8_t)v);
    preempt_enable();
    uint64_t end = time_ns() + NS_PER_S;
    while (!vector_hits && time_ns() < end)
        cpu_pause();
    irq_free_vector(v);
    KT_ASSERT_EQ(vector_hits, 1);
    KT_ASSERT_EQ(vector_cpu, me);
}
