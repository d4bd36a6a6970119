/*
 * kernel/core/monitor.c — the monitor loop: bytes from the serial port into
 * the line editor (lineedit.c), complete lines split into words and looked
 * up in the command table.
 */
#include "lib/lib.h"
#include "core/console.h"
#include "core/lineedit.h"
#include "core/log.h"
#include "core/monitor.h"
#include "dev/serial.h"
#include "sched/sched.h"

static const struct monitor_cmd *commands[MONITOR_MAX_COMMANDS];
static unsigned command_count;
static spinlock_t commands_lock = SPINLOCK_INIT("monitor");
static struct lineedit editor;

static bool builtins_registered;

/* The built-in commands come first in `help`, whoever registers first. */
static void ensure_builtins(void)
{
    if (!__atomic_exchange_n(&builtins_registered, true, __ATOMIC_ACQ_REL))
        monitor_register_builtins();
}

int monitor_register(const struct monitor_cmd *cmd)
{
    ensure_builtins();
    uint64_t flags = spin_lock_irqsave(&commands_lock);
    int rc = 0;
    for (unsigned i = 0; i < command_count && rc == 0; i++)
        if (strcmp(commands[i]->name, cmd->name) == 0)
            rc = -EEXIST;
    if (rc == 0 && command_count == MONITOR_MAX_COMMANDS)
        rc = -ENOSPC;
    if (rc == 0)
        commands[command_count++] = cmd;
    spin_unlock_irqrestore(&commands_lock, flags);
    if (rc)
        log_warn("monitor: cannot register '%s' (%d)", cmd->name, rc);
    return rc;
}

void monitor_write(const char *s, unsigned long n) { console_write(s, n); }

void monitor_printf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        console_write(buf, MIN((size_t)n, sizeof buf - 1));
}

static const struct monitor_cmd *find(const char *name)
{
    uint64_t flags = spin_lock_irqsave(&commands_lock);
    const struct monitor_cmd *found = NULL;
    for (unsigned i = 0; i < command_count && !found; i++)
        if (strcmp(commands[i]->name, name) == 0)
            found = commands[i];
    spin_unlock_irqrestore(&commands_lock, flags);
    return found;
}

int monitor_execute(char *line)
{
    char *argv[MONITOR_MAX_ARGS + 1];
    int argc = 0;
    for (char *p = line; *p;) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        if (argc == MONITOR_MAX_ARGS) {
            monitor_printf("too many words (at most %d)\n", MONITOR_MAX_ARGS);
            return -E2BIG;
        }
        argv[argc++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    argv[argc] = NULL;
    if (argc == 0)
        return 0;
    const struct monitor_cmd *cmd = find(argv[0]);
    if (!cmd) {
        monitor_printf("unknown command '%s'; type 'help' for the list\n", argv[0]);
        return -ENOENT;
    }
    int rc = cmd->fn(argc, argv);
    if (rc < 0)
        monitor_printf("%s: failed (error %d)\n", argv[0], -rc);
    return rc;
}

/* The commands, in registration order, for `help`. */
void monitor_list_commands(void)
{
    for (unsigned i = 0; i < command_count; i++) {
        const struct monitor_cmd *c = commands[i];
        char head[40];
        snprintf(head, sizeof head, "%s %s", c->name, c->usage ? c->usage : "");
        monitor_printf("  %-22s %s\n", head, c->help);
    }
}

static void editor_write(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    console_write(s, n);
}

/* Prompt, read and run lines; with leave_key >= 0, return when that byte
 * arrives or the line is `exit`. */
static void monitor_loop(int leave_key)
{
    for (;;) {
        lineedit_begin(&editor);
        enum lineedit_event ev;
        do {
            int c = serial_getc();
            if (leave_key >= 0 && c == leave_key) {
                monitor_printf("\n");
                return;
            }
            ev = c < 0 ? LINEEDIT_NONE : lineedit_feed(&editor, (char)c);
        } while (ev == LINEEDIT_NONE);
        if (ev != LINEEDIT_LINE)
            continue;
        if (leave_key >= 0 && strcmp(editor.buf, "exit") == 0)
            return;
        monitor_execute(editor.buf);
    }
}

_Noreturn void monitor_start(void)
{
    ensure_builtins();
    lineedit_init(&editor, "kpio> ", editor_write, NULL);
    monitor_printf("\nKPIO kernel monitor: type 'help' for commands.\n");
    monitor_loop(-1);
    for (;;)
        ;
}

void monitor_session(int leave_key)
{
    static bool ready;
    ensure_builtins();
    if (!ready) {
        lineedit_init(&editor, "kpio> ", editor_write, NULL);
        ready = true;
    }
    monitor_loop(leave_key);
}
