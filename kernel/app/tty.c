/*
 * kernel/app/tty.c — the console as apps see it: standard input, output and
 * error of the first program (and of whatever it starts on the console).
 *
 * The pump (the boot thread "main", once user space is up) reads the serial
 * port and feeds the input queue through a line discipline:
 *   cooked (the default): the line is edited here and echoed — printable
 *     characters, Backspace, ^U (erase the line), ^D (end of file on an
 *     empty line, else pass the line on without a newline), Enter (CR, LF
 *     or CR LF: the line with '\n' becomes readable), ^C (drop the line and
 *     stop the programs the first program started); escape sequences
 *     (arrow keys) are dropped;
 *   raw (kpio_term_set_mode RAW: the shell's own line editor): every byte
 *     as typed, no echo.
 * ^] (TTY_MONITOR_KEY) in either mode switches the console to the kernel
 * monitor, for diagnostics, until `exit` or ^] again.
 *
 * Output goes to every kernel console (serial and framebuffer).
 */
#include "app/app.h"
#include "arch/x86_64/cpu.h"
#include "core/console.h"
#include "core/monitor.h"
#include "dev/serial.h"
#include "lib/lib.h"

#define TTY_QUEUE 4096u
#define TTY_LINE  1024u

static spinlock_t lock = SPINLOCK_INIT("tty");
static uint8_t queue[TTY_QUEUE];
static uint32_t q_head, q_len;
static uint32_t eof_marks;          /* ^D on an empty line, not yet read */
static bool raw;
static struct app_waitq readers;
static int32_t session_pid;

/* the line being edited in cooked mode (only the pump touches it) */
static char line[TTY_LINE];
static uint32_t line_len;
static int esc_state;               /* 0 none, 1 after ESC, 2 in a CSI sequence */
static bool last_cr;

static struct app_waitq *waitq(void)
{
    return &readers;
}

void tty_init(void)
{
    app_waitq_init(&readers);
}

struct app_waitq *tty_waitq(void)
{
    return waitq();
}

void tty_set_session(int32_t pid)
{
    session_pid = pid;
}

/* Append bytes to the input queue (lock held); drops what does not fit. */
static void enqueue(const void *data, uint32_t n)
{
    const uint8_t *p = data;
    for (uint32_t i = 0; i < n && q_len < TTY_QUEUE; i++)
        queue[(q_head + q_len++) % TTY_QUEUE] = p[i];
}

static void echo(const char *s, size_t n)
{
    console_write(s, n);
}

/* Move the edited line (plus '\n' if newline) to the queue and wake readers. */
static void submit(bool newline)
{
    uint64_t flags = spin_lock_irqsave(&lock);
    enqueue(line, line_len);
    if (newline)
        enqueue("\n", 1);
    spin_unlock_irqrestore(&lock, flags);
    line_len = 0;
    app_waitq_wake(waitq());
}

void tty_set_raw(bool on)
{
    if (on && !raw && line_len) {
        /* a half-typed line goes to the program as it is */
        uint64_t flags = spin_lock_irqsave(&lock);
        enqueue(line, line_len);
        spin_unlock_irqrestore(&lock, flags);
        line_len = 0;
    }
    raw = on;
}

/* ^C: stop every running child of the first program (its foreground
 * pipeline and, having no job control, its background jobs too). */
static void interrupt_session(void)
{
    kpio_system *sys = app_system();
    if (!sys || !session_pid)
        return;
    kpio_proc_info info[64];
    uint32_t n = kpio_system_list(sys, info, 64);
    for (uint32_t i = 0; i < n && i < 64; i++)
        if (info[i].ppid == session_pid && info[i].state == KPIO_PROC_RUNNING)
            kpio_kill(sys, info[i].pid);
}

/* One byte of input in cooked mode. */
static void cooked_input(uint8_t c)
{
    if (esc_state == 1) {
        esc_state = c == '[' || c == 'O' ? 2 : 0;
        return;
    }
    if (esc_state == 2) {
        if (c >= 0x40 && c <= 0x7e)
            esc_state = 0;
        return;
    }
    bool was_cr = last_cr;
    last_cr = c == '\r';
    switch (c) {
    case '\n':
        if (was_cr)
            return;             /* the LF of CR LF */
        /* fall through */
    case '\r':
        echo("\n", 1);
        submit(true);
        return;
    case 0x7f:
    case 0x08:
        if (line_len) {
            /* a whole UTF-8 character */
            do
                line_len--;
            while (line_len && (line[line_len] & 0xc0) == 0x80);
            echo("\b \b", 3);
        }
        return;
    case 0x15:                  /* ^U */
        while (line_len) {
            do
                line_len--;
            while (line_len && (line[line_len] & 0xc0) == 0x80);
            echo("\b \b", 3);
        }
        return;
    case 0x04:                  /* ^D */
        if (line_len) {
            submit(false);
        } else {
            uint64_t flags = spin_lock_irqsave(&lock);
            eof_marks++;
            spin_unlock_irqrestore(&lock, flags);
            app_waitq_wake(waitq());
        }
        return;
    case 0x03:                  /* ^C */
        echo("^C\n", 3);
        line_len = 0;
        interrupt_session();
        return;
    case 0x1b:
        esc_state = 1;
        return;
    default:
        if ((c < 0x20 && c != '\t') || line_len + 1 >= TTY_LINE)
            return;
        line[line_len++] = (char)c;
        echo((const char *)&c, 1);
    }
}

static void raw_input(uint8_t c)
{
    uint64_t flags = spin_lock_irqsave(&lock);
    enqueue(&c, 1);
    spin_unlock_irqrestore(&lock, flags);
    app_waitq_wake(waitq());
}

static void monitor_visit(void)
{
    console_puts("\n[kernel monitor: 'exit' or ^] returns to the console's program]\n");
    monitor_session(TTY_MONITOR_KEY);
    console_puts("[back from the kernel monitor]\n");
}

_Noreturn void tty_pump(void)
{
    for (;;) {
        int c = serial_getc();
        if (c < 0)
            continue;
        csprng_add_timing(rdtsc() ^ (uint64_t)c);
        if (c == TTY_MONITOR_KEY)
            monitor_visit();
        else if (raw)
            raw_input((uint8_t)c);
        else
            cooked_input((uint8_t)c);
    }
}

/* ---- the app side ---- */

/* Take up to len queued bytes (lock held): in cooked mode no further than
 * the end of the first line. Returns -1 if there is nothing to take. */
static int64_t dequeue(uint8_t *buf, size_t len)
{
    if (q_len == 0) {
        if (eof_marks) {
            eof_marks--;
            return 0;
        }
        return -1;
    }
    size_t n = 0;
    while (n < len && q_len) {
        uint8_t c = queue[q_head];
        q_head = (q_head + 1) % TTY_QUEUE;
        q_len--;
        buf[n++] = c;
        if (c == '\n' && !raw)
            break;
    }
    return (int64_t)n;
}

int64_t tty_read(void *buf, size_t len, bool nonblock)
{
    if (len == 0)
        return 0;
    struct app_wait w;
    struct app_waitq *q = waitq();
    app_wait_begin(&w, &q, 1);
    int64_t r;
    for (;;) {
        uint64_t flags = spin_lock_irqsave(&lock);
        r = dequeue(buf, len);
        spin_unlock_irqrestore(&lock, flags);
        if (r >= 0)
            break;
        if (nonblock) {
            r = -EAGAIN;
            break;
        }
        int rc = app_wait_sleep(&w, 0);
        if (rc == -EINTR) {
            r = rc;
            break;
        }
    }
    app_wait_end(&w);
    return r;
}

int64_t tty_write(const void *buf, size_t len)
{
    console_write(buf, len);
    return (int64_t)len;
}

unsigned tty_poll(uint64_t *nbytes)
{
    uint64_t flags = spin_lock_irqsave(&lock);
    unsigned ready = WASI_POLL_WRITABLE;
    if (q_len || eof_marks)
        ready |= WASI_POLL_READABLE;
    *nbytes = q_len;
    spin_unlock_irqrestore(&lock, flags);
    return ready;
}
