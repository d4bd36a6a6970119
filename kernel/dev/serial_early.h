/*
 * kernel/dev/serial_early.h — COM1 (16550 UART at 0x3f8), polled: the console
 * from the kernel's first instruction until the interrupt-driven driver
 * (kernel/dev/serial.c) takes over, and again in panic reports.
 */
#ifndef KPIO_SERIAL_EARLY_H
#define KPIO_SERIAL_EARLY_H

#include <stdbool.h>
#include <stddef.h>

#define COM1_PORT 0x3f8

void serial_early_init(void);
void serial_early_write(const char *s, size_t n);   /* "\n" becomes "\r\n" */
/* Return the next received byte, or -1 if none is waiting. */
int serial_early_getc(void);

struct console;
extern struct console serial_early_console;         /* registered by serial_early_init */

#endif
