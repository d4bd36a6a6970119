/*
 * kernel/arch/x86_64/gdt.c — one GDT and TSS per CPU (Intel SDM vol. 3A
 * §3.4.5 segment descriptors, §7.2.3 the 64-bit TSS, §7.2.3 its descriptor).
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/trap.h"
#include "lib/lib.h"

struct tss {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
} __attribute__((packed));

_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

struct cpu_tables {
    uint64_t gdt[8];
    struct tss tss;
} __attribute__((aligned(64)));

static struct cpu_tables cpu_tables[ARCH_MAX_CPUS];

/* Flat descriptors: base 0, limit 4 GiB; in long mode only the type, DPL and
 * the L/D bits matter. */
#define DESC_KERNEL_CODE 0x00af9a000000ffffULL  /* present, DPL 0, code, L=1 */
#define DESC_KERNEL_DATA 0x00cf92000000ffffULL  /* present, DPL 0, data, writable */
#define DESC_USER_CODE32 0x00cffa000000ffffULL  /* DPL 3, 32-bit code (compat) */
#define DESC_USER_DATA   0x00cff2000000ffffULL  /* DPL 3, data */
#define DESC_USER_CODE   0x00affa000000ffffULL  /* DPL 3, 64-bit code */

struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* The two 8-byte halves of an available 64-bit TSS descriptor (type 9). */
static void tss_descriptor(uint64_t out[2], const struct tss *tss)
{
    uint64_t base = (uint64_t)(uintptr_t)tss, limit = sizeof(*tss) - 1;
    out[0] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x89ULL << 40 |
             ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
    out[1] = base >> 32;
}

/* Load the GDT, reload every segment register (CS through a far return),
 * then the task register. */
static void load_gdt(struct cpu_tables *t)
{
    struct descriptor_pointer gdtr = { sizeof(t->gdt) - 1, (uint64_t)(uintptr_t)t->gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq %1\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movw %w2, %%ax\n\t"
                     "movw %%ax, %%ds\n\t"
                     "movw %%ax, %%es\n\t"
                     "movw %%ax, %%ss\n\t"
                     "xorl %%eax, %%eax\n\t"
                     "movw %%ax, %%fs\n\t"
                     "movw %%ax, %%gs\n\t"
                     "ltr %w3"
                     : : "m"(gdtr), "i"(SEL_KERNEL_CODE), "r"(SEL_KERNEL_DATA), "r"(SEL_TSS)
                     : "rax", "memory");
}

void arch_cpu_tables_init(unsigned cpu, const uint64_t ist_top[ARCH_IST_COUNT])
{
    struct cpu_tables *t = &cpu_tables[cpu];
    memset(t, 0, sizeof(*t));
    t->gdt[1] = DESC_KERNEL_CODE;
    t->gdt[2] = DESC_KERNEL_DATA;
    t->gdt[3] = DESC_USER_CODE32;
    t->gdt[4] = DESC_USER_DATA;
    t->gdt[5] = DESC_USER_CODE;
    tss_descriptor(&t->gdt[6], &t->tss);
    for (unsigned i = 0; i < ARCH_IST_COUNT; i++)
        t->tss.ist[i] = ist_top[i];
    t->tss.iomap_base = sizeof(t->tss);     /* no I/O permission bitmap */
    load_gdt(t);
    idt_load();
}

void arch_set_kernel_stack(unsigned cpu, uint64_t rsp0)
{
    cpu_tables[cpu].tss.rsp[0] = rsp0;
}

static uint8_t boot_ist_stacks[ARCH_IST_COUNT][ARCH_IST_STACK_SIZE] __attribute__((aligned(16)));

void arch_init_boot_cpu(void)
{
    uint64_t tops[ARCH_IST_COUNT];
    for (unsigned i = 0; i < ARCH_IST_COUNT; i++)
        tops[i] = (uint64_t)(uintptr_t)(boot_ist_stacks[i] + ARCH_IST_STACK_SIZE);
    idt_init();
    arch_cpu_tables_init(0, tops);
}
