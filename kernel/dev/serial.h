/*
 * kernel/dev/serial.h — COM1 with receive interrupts. Output stays polled
 * (serial_early.c); input arrives through IRQ 4 into a ring buffer that
 * threads read with serial_getc().
 */
#ifndef KPIO_SERIAL_H
#define KPIO_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* Enable the receive interrupt and route IRQ 4. Needs interrupts_init. */
void serial_init(void);
/* The next received byte; blocks until there is one. */
int serial_getc(void);
/* The next byte, or -1 after timeout_ns without one. */
int serial_getc_timeout(uint64_t timeout_ns);
/* Polled output (same as the early console, but usable by name). */
void serial_write(const char *s, size_t n);

struct serial_stats {
    uint64_t rx_bytes, rx_dropped, irqs;
};
void serial_get_stats(struct serial_stats *out);

#endif
