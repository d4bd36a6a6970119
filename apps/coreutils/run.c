/*
 * run — start a program in a sandbox of your choosing and wait for it.
 *
 *   run [--dir PATH[::GUEST]]... [--env KEY=VALUE]... [--no-network]
 *       [--no-system] [--cpu MS] [--pages N] PROGRAM [ARG...]
 *
 * Unlike the shell, which hands a program everything it has, run gives it
 * only what the options name: the directories (PATH, seen by the program
 * as GUEST, default PATH itself), the environment variables, the console
 * (stdin, stdout and stderr are run's own), and the network and system
 * permissions unless --no-network / --no-system. --cpu stops it after MS
 * milliseconds of CPU time, --pages caps its memory at N 64 KiB pages.
 * It is KPIO's counterpart of `kpio-wasm run`.
 *
 * The exit status is the program's; 134 after a trap (the reason is on its
 * stderr), 137 when it was stopped (kill or --cpu), 126 if it is not a
 * valid module, 127 if it cannot be found.
 */
#include <errno.h>
#include <fcntl.h>
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "run.h"

#define MAX_DIRS 16
#define USAGE "[--dir PATH[::GUEST]]... [--env KEY=VALUE]... [--no-network] [--no-system] " \
              "[--cpu MS] [--pages N] PROGRAM [ARG...]"

/* A NUL-separated buffer of the strings v[0..n). */
static char *join(char **v, int n, uint32_t *len)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += strlen(v[i]) + 1;
    char *buf = app_xmalloc(total ? total : 1), *p = buf;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(v[i]) + 1;
        memcpy(p, v[i], k);
        p += k;
    }
    *len = (uint32_t)total;
    return buf;
}

static uint32_t number(const char *opt, const char *value)
{
    uint64_t v;
    if (!app_parse_u64(value, &v) || v > 0xffffffffu)
        app_die(2, "%s: not a number: %s", opt, value);
    return (uint32_t)v;
}

int main(int argc, char **argv)
{
    app_init("run");
    kpio_preopen dirs[MAX_DIRS];
    char *guests[MAX_DIRS];
    int ndirs = 0;
    char **env = app_xmalloc(sizeof(char *) * (size_t)(argc + 1));
    int nenv = 0;
    uint32_t flags = 0, cpu = 0, pages = 0;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(opt, "--no-network") == 0) {
            flags |= KPIO_SPAWN_NO_NETWORK;
            continue;
        }
        if (strcmp(opt, "--no-system") == 0) {
            flags |= KPIO_SPAWN_NO_SYSTEM;
            continue;
        }
        if (i + 1 >= argc)
            app_usage(2, USAGE);
        const char *val = argv[++i];
        if (strcmp(opt, "--dir") == 0) {
            if (ndirs == MAX_DIRS)
                app_die(2, "at most %d directories", MAX_DIRS);
            const char *sep = strstr(val, "::");
            char *path = sep ? strndup(val, (size_t)(sep - val)) : app_xstrdup(val);
            const char *guest = sep ? sep + 2 : val;
            if (!path || !*path || !*guest)
                app_die(2, "bad --dir %s", val);
            int fd = open(path, O_RDONLY | O_DIRECTORY);
            if (fd < 0)
                app_die(1, "%s: %s", path, strerror(errno));
            guests[ndirs] = app_xstrdup(guest);
            dirs[ndirs] = (kpio_preopen){ (uint32_t)fd, (kpio_ptr)(uintptr_t)guests[ndirs],
                                          (uint32_t)strlen(guest) };
            ndirs++;
            free(path);
        } else if (strcmp(opt, "--env") == 0) {
            if (!strchr(val, '='))
                app_die(2, "--env %s: KEY=VALUE expected", val);
            env[nenv++] = (char *)val;
        } else if (strcmp(opt, "--cpu") == 0) {
            cpu = number(opt, val);
        } else if (strcmp(opt, "--pages") == 0) {
            pages = number(opt, val);
        } else {
            app_usage(2, USAGE);
        }
    }
    if (i >= argc)
        app_usage(2, USAGE);

    char *found = NULL;
    int module = run_open_program(argv[i], &found);
    if (module < 0) {
        app_warn("%s: %s", argv[i], errno == ENOENT ? "command not found" : strerror(errno));
        return errno == ENOENT ? 127 : 126;
    }
    kpio_spawn_request rq;
    memset(&rq, 0, sizeof rq);
    char *args = join(argv + i, argc - i, &rq.argv_len);
    char *envs = join(env, nenv, &rq.env_len);
    rq.module_fd = (uint32_t)module;
    rq.argv = (kpio_ptr)(uintptr_t)args;
    rq.env = (kpio_ptr)(uintptr_t)envs;
    rq.stdin_fd = 0;
    rq.stdout_fd = 1;
    rq.stderr_fd = 2;
    rq.preopens = (kpio_ptr)(uintptr_t)dirs;
    rq.preopen_count = (uint32_t)ndirs;
    rq.flags = flags;
    rq.cpu_limit_ms = cpu;
    rq.max_memory_pages = pages;
    kpio_pid pid;
    kpio_errno e = kpio_proc_spawn(&rq, &pid);
    close(module);
    for (int d = 0; d < ndirs; d++)
        close((int)dirs[d].dir_fd);
    if (e != KPIO_OK) {
        if (e != KPIO_ENOEXEC)      /* ENOEXEC: the reason is already on stderr */
            app_warn("%s: %s", found, kpio_strerror(e));
        return 126;
    }
    kpio_proc_status st;
    while ((e = kpio_proc_wait(pid, 0, &st)) == KPIO_EINTR)
        ;
    if (e != KPIO_OK)
        app_die(1, "waiting for %s: %s", found, kpio_strerror(e));
    if (st.reason == KPIO_EXIT_KILLED)
        return 128 + 9;
    if (st.reason == KPIO_EXIT_TRAP)
        return 128 + 6;
    return st.code & 0xff;
}
