/*
 * kernel/arch/x86_64/idt.c — the interrupt descriptor table (Intel SDM vol. 3A
 * §6.14.1, 64-bit gate descriptors) and the C side of interrupt dispatch.
 */
#include "arch/x86_64/arch.h"
#include "arch/x86_64/trap.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/lib.h"

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attr;      /* present, DPL, gate type */
    uint16_t offset_mid;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

#define GATE_INTERRUPT 0x8e     /* present, DPL 0, 64-bit interrupt gate (IF cleared) */

extern const char isr_stubs[];  /* isr.S: 256 stubs, 16 bytes apart */

static struct idt_gate idt[256] __attribute__((aligned(16)));
static trap_handler_fn handlers[256];

void idt_init(void)
{
    for (unsigned v = 0; v < 256; v++) {
        uint64_t addr = (uint64_t)(uintptr_t)(isr_stubs + 16 * v);
        idt[v] = (struct idt_gate){
            .offset_low = (uint16_t)addr,
            .selector = SEL_KERNEL_CODE,
            .ist = 0,
            .type_attr = GATE_INTERRUPT,
            .offset_mid = (uint16_t)(addr >> 16),
            .offset_high = (uint32_t)(addr >> 32),
        };
    }
    idt[VEC_DOUBLE_FAULT].ist = IST_DOUBLE_FAULT;
    idt[VEC_NMI].ist = IST_NMI;
    idt[VEC_MACHINE_CHECK].ist = IST_MACHINE_CHECK;
}

void idt_load(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" : : "m"(idtr));
}

void trap_set_handler(unsigned vector, trap_handler_fn fn)
{
    if (vector < 256)
        __atomic_store_n(&handlers[vector], fn, __ATOMIC_RELEASE);
}

trap_handler_fn trap_get_handler(unsigned vector)
{
    return vector < 256 ? __atomic_load_n(&handlers[vector], __ATOMIC_ACQUIRE) : NULL;
}

void trap_dispatch(struct trap_frame *frame)
{
    unsigned v = (unsigned)frame->vector;
    trap_handler_fn fn = __atomic_load_n(&handlers[v], __ATOMIC_ACQUIRE);
    if (fn && fn(frame))
        return;
    /* While a panic is being reported, an NMI means "stop here". */
    if (v == VEC_NMI && panic_in_progress())
        panic_cpu_stop();
    if (v < VEC_FIRST_IRQ)
        trap_fatal(frame);
    log_warn("unexpected interrupt on vector %u", v);
}
