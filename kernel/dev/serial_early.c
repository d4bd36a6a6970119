/*
 * kernel/dev/serial_early.c — polled output and input on COM1.
 * Register layout and bits: National Semiconductor PC16550D datasheet.
 */
#include "dev/serial_early.h"
#include "arch/x86_64/cpu.h"
#include "core/console.h"

enum {
    UART_DATA = 0,      /* RBR/THR; divisor low byte when DLAB=1 */
    UART_IER = 1,       /* interrupt enable; divisor high byte when DLAB=1 */
    UART_FCR = 2,
    UART_LCR = 3,
    UART_MCR = 4,
    UART_LSR = 5,
};
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20
#define LCR_DLAB       0x80
#define LCR_8N1        0x03

static void serial_console_write(struct console *c, const char *s, size_t n)
{
    (void)c;
    serial_early_write(s, n);
}

struct console serial_early_console = {
    .name = "serial-early",
    .write = serial_console_write,
};

/* 115200 baud 8N1, FIFOs on, no interrupts (OUT2 off): the state the
 * interrupt-driven driver expects to start from. */
void serial_early_init(void)
{
    outb(COM1_PORT + UART_IER, 0);
    outb(COM1_PORT + UART_LCR, LCR_DLAB);
    outb(COM1_PORT + UART_DATA, 1);         /* divisor 1: 115200 baud */
    outb(COM1_PORT + UART_IER, 0);
    outb(COM1_PORT + UART_LCR, LCR_8N1);
    outb(COM1_PORT + UART_FCR, 0x07);       /* enable and clear both FIFOs */
    outb(COM1_PORT + UART_MCR, 0x03);       /* DTR, RTS */
    console_register(&serial_early_console);
}

static void put_raw(char c)
{
    /* Bounded wait: a missing UART (reads 0xff... or stuck) must not hang us. */
    for (int spin = 0; spin < 100000; spin++) {
        if (inb(COM1_PORT + UART_LSR) & LSR_THR_EMPTY)
            break;
        cpu_pause();
    }
    outb(COM1_PORT + UART_DATA, (uint8_t)c);
}

void serial_early_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            put_raw('\r');
        put_raw(s[i]);
    }
}

int serial_early_getc(void)
{
    if (!(inb(COM1_PORT + UART_LSR) & LSR_DATA_READY))
        return -1;
    return inb(COM1_PORT + UART_DATA);
}
