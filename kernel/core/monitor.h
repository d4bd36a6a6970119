/*
 * kernel/core/monitor.h — the kernel monitor: a command line on the serial
 * console (prompt "kpio> ") with line editing and history. Subsystems add
 * their own commands with monitor_register(), e.g. from their init code:
 *
 *   static int cmd_lspci(int argc, char **argv) { ... return 0; }
 *   static const struct monitor_cmd lspci_cmd = {
 *       "lspci", "", "list PCI devices", cmd_lspci };
 *   monitor_register(&lspci_cmd);
 */
#ifndef KPIO_MONITOR_H
#define KPIO_MONITOR_H

#define MONITOR_MAX_COMMANDS 64
#define MONITOR_MAX_ARGS     16

struct monitor_cmd {
    const char *name;
    const char *usage;          /* arguments, for help ("" if none) */
    const char *help;           /* one line */
    /* argv[0] is the command name. Returns 0, or a negative errno that the
     * monitor reports. */
    int (*fn)(int argc, char **argv);
};

/* Add a command (the struct must outlive the monitor: make it static).
 * 0, -EEXIST (the name is taken) or -ENOSPC. */
int monitor_register(const struct monitor_cmd *cmd);

/* Output for commands: goes to every console. */
void monitor_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void monitor_write(const char *s, unsigned long n);

/* Split a line into words and run the command; returns its result, or
 * -ENOENT for an unknown command (after saying so). Empty lines return 0. */
int monitor_execute(char *line);

/* Run the monitor on the serial console in the calling thread. */
_Noreturn void monitor_start(void);
/* A visit to the monitor while another program owns the console (user
 * space's tty): the prompt until the user types `exit` or the byte
 * leave_key; then return. */
void monitor_session(int leave_key);

/* The built-in commands (monitor_cmds.c), registered before any other. */
void monitor_register_builtins(void);
/* Print every command with its usage and help line. */
void monitor_list_commands(void);

#endif
