/*
 * kernel/dev/serial.c — interrupt-driven input on COM1 (PC16550D datasheet:
 * IER bit 0 enables the received-data interrupt; MCR OUT2 gates the IRQ line
 * on PCs; LSR bit 0 says a byte is waiting in RBR).
 *
 * The handler drains the receive FIFO into a ring and counts the bytes on a
 * semaphore; readers take them one at a time. A full ring drops new bytes
 * (and counts them) rather than overwrite what a reader has not seen.
 */
#include "lib/lib.h"
#include "core/log.h"
#include "core/time.h"
#include "sched/sched.h"
#include "dev/serial.h"
#include "dev/serial_early.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"

#define UART_DATA 0
#define UART_IER  1
#define UART_IIR  2
#define UART_MCR  4
#define UART_LSR  5
#define LSR_DATA_READY 0x01
#define MCR_DTR_RTS_OUT2 0x0b
#define RING_SIZE 1024

static uint8_t ring[RING_SIZE];
static uint32_t ring_head, ring_tail;       /* head: next write, tail: next read */
static spinlock_t ring_lock = SPINLOCK_INIT("serial");
static struct semaphore rx_avail;
static struct serial_stats stats;
static bool ready;

static void serial_irq(void *ctx)
{
    (void)ctx;
    stats.irqs++;
    spin_lock(&ring_lock);
    unsigned got = 0;
    for (int i = 0; i < 4096 && (inb(COM1_PORT + UART_LSR) & LSR_DATA_READY); i++) {
        uint8_t b = inb(COM1_PORT + UART_DATA);
        if (ring_head - ring_tail < RING_SIZE) {
            ring[ring_head++ % RING_SIZE] = b;
            got++;
            stats.rx_bytes++;
        } else {
            stats.rx_dropped++;
        }
    }
    spin_unlock(&ring_lock);
    while (got--)
        sem_up(&rx_avail);
}

void serial_init(void)
{
    sem_init(&rx_avail, 0);
    /* Bytes typed before now were never seen by anyone: drop them. */
    while (inb(COM1_PORT + UART_LSR) & LSR_DATA_READY)
        inb(COM1_PORT + UART_DATA);
    int vector = irq_install_isa(4, serial_irq, NULL);
    if (vector < 0) {
        log_err("serial: cannot route IRQ 4 (%d): no serial input", vector);
        return;
    }
    outb(COM1_PORT + UART_MCR, MCR_DTR_RTS_OUT2);
    outb(COM1_PORT + UART_IER, 0x01);
    (void)inb(COM1_PORT + UART_IIR);
    ready = true;
    log_info("serial: COM1 input on IRQ 4, vector %#x", vector);
}

static int take_byte(void)
{
    uint64_t flags = spin_lock_irqsave(&ring_lock);
    int c = ring_tail != ring_head ? ring[ring_tail++ % RING_SIZE] : -1;
    spin_unlock_irqrestore(&ring_lock, flags);
    return c;
}

int serial_getc(void)
{
    if (!ready) {
        /* No interrupt: poll, yielding between tries. */
        int c;
        while ((c = serial_early_getc()) < 0)
            thread_sleep_ns(NS_PER_MS);
        return c;
    }
    sem_down(&rx_avail);
    return take_byte();
}

int serial_getc_timeout(uint64_t timeout_ns)
{
    if (!ready) {
        int c = serial_early_getc();
        return c;
    }
    return sem_down_timeout(&rx_avail, timeout_ns) ? take_byte() : -1;
}

void serial_write(const char *s, size_t n) { serial_early_write(s, n); }

void serial_get_stats(struct serial_stats *out)
{
    uint64_t flags = spin_lock_irqsave(&ring_lock);
    *out = stats;
    spin_unlock_irqrestore(&ring_lock, flags);
}
