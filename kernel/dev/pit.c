/*
 * kernel/dev/pit.c — the 8254 PIT's channel 2 as a calibration counter when
 * there is no HPET (Intel 8254 datasheet: control word at 0x43, counter 2 at
 * 0x42, its gate in port 0x61 bit 0; the counter-latch command freezes the
 * count for a two-byte read).
 */
#include "lib/lib.h"
#include "dev/clocks.h"
#include "arch/x86_64/cpu.h"

#define PIT_CH2     0x42
#define PIT_CMD     0x43
#define PORT_B      0x61
#define PORTB_GATE2 0x01
#define PORTB_SPKR  0x02

void pit_start(void)
{
    uint8_t b = inb(PORT_B);
    outb(PORT_B, (uint8_t)((b & ~PORTB_SPKR) | PORTB_GATE2));  /* gate on, speaker off */
    outb(PIT_CMD, 0xb4);        /* channel 2, lobyte/hibyte, mode 2 (rate generator), binary */
    outb(PIT_CH2, 0xff);
    outb(PIT_CH2, 0xff);
}

uint16_t pit_count(void)
{
    outb(PIT_CMD, 0x80);        /* latch channel 2 */
    uint8_t lo = inb(PIT_CH2);
    uint8_t hi = inb(PIT_CH2);
    return (uint16_t)(lo | hi << 8);
}
