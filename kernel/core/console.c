/*
 * kernel/core/console.c — fan-out of kernel text to every registered console,
 * serialized by one lock so that lines from different CPUs do not interleave.
 */
#include "core/console.h"
#include "arch/x86_64/rawlock.h"
#include "lib/lib.h"

static struct console *consoles;
static rawlock_t console_lock = RAWLOCK_INIT;
static volatile int panic_mode;

void console_register(struct console *c)
{
    uint64_t f = rawlock_acquire(&console_lock);
    struct console **p = &consoles;
    while (*p && *p != c)
        p = &(*p)->next;
    if (!*p) {              /* append, so output order follows registration order */
        c->next = NULL;
        *p = c;
    }
    rawlock_release(&console_lock, f);
}

void console_unregister(struct console *c)
{
    uint64_t f = rawlock_acquire(&console_lock);
    for (struct console **p = &consoles; *p; p = &(*p)->next) {
        if (*p == c) {
            *p = c->next;
            break;
        }
    }
    rawlock_release(&console_lock, f);
}

void console_write(const char *s, size_t n)
{
    if (panic_mode) {
        for (struct console *c = consoles; c; c = c->next)
            (c->panic_write ? c->panic_write : c->write)(c, s, n);
        return;
    }
    uint64_t f = rawlock_acquire(&console_lock);
    for (struct console *c = consoles; c; c = c->next)
        c->write(c, s, n);
    rawlock_release(&console_lock, f);
}

void console_puts(const char *s)
{
    console_write(s, strlen(s));
}

void console_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}

void console_enter_panic(void)
{
    panic_mode = 1;
}
