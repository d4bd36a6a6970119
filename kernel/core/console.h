/*
 * kernel/core/console.h — where kernel text goes: every registered console
 * (early serial, framebuffer, later the interrupt-driven serial driver).
 * klog() and panic reports write here; so does the monitor's output.
 */
#ifndef KPIO_CONSOLE_H
#define KPIO_CONSOLE_H

#include <stddef.h>

struct console {
    const char *name;
    /* Normal output; may sleep-free block briefly; called with the console lock held. */
    void (*write)(struct console *c, const char *s, size_t n);
    /* Optional: output that needs no locks or interrupts, used once a panic has
     * begun (e.g. polled serial). NULL means write is safe for panics too. */
    void (*panic_write)(struct console *c, const char *s, size_t n);
    struct console *next;
};

void console_register(struct console *c);
void console_unregister(struct console *c);

void console_write(const char *s, size_t n);
void console_puts(const char *s);
void console_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* From now on, write without taking the console lock and through panic_write:
 * the calling CPU is the only one left running. */
void console_enter_panic(void);

#endif
