/*
 * kernel/dev/pit.c — a calibration delay on the 8254 PIT's channel 2 (its
 * gate and output are in port 0x61), used when there is no HPET. Intel 8254
 * datasheet: mode 0 counts down once and raises OUT at zero.
 */
#include "lib/lib.h"
#include "dev/clocks.h"
#include "arch/x86_64/cpu.h"

#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_B      0x61
#define PORTB_GATE2 0x01
#define PORTB_SPKR  0x02
#define PORTB_OUT2  0x20

uint64_t pit_wait_us(uint32_t us)
{
    if (us > 50000)
        us = 50000;
    uint32_t count = (uint32_t)((uint64_t)us * PIT_HZ / 1000000);
    if (count < 2 || count > 0xffff)
        count = count < 2 ? 2 : 0xffff;
    uint8_t b = inb(PORT_B);
    outb(PORT_B, (uint8_t)((b & ~PORTB_SPKR) & ~PORTB_GATE2));   /* gate low, speaker off */
    outb(PIT_CMD, 0xb0);            /* channel 2, lobyte/hibyte, mode 0, binary */
    outb(PIT_CH2, (uint8_t)count);
    outb(PIT_CH2, (uint8_t)(count >> 8));
    outb(PORT_B, (uint8_t)((b & ~PORTB_SPKR) | PORTB_GATE2));    /* start counting */
    /* Give up after far longer than the count could take. */
    for (uint64_t spins = 0; !(inb(PORT_B) & PORTB_OUT2); spins++)
        if (spins > 100000000ULL)
            return 0;
    outb(PORT_B, b);
    return count;
}
