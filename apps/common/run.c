/*
 * apps/common/run.c — program lookup, spawn and wait over kpio (run.h).
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

/* Try path.wasm, then path. */
static int open_candidate(const char *path, char **path_out)
{
    size_t n = strlen(path);
    char *with = app_xmalloc(n + 6);
    memcpy(with, path, n);
    memcpy(with + n, ".wasm", 6);
    const char *tries[2] = { with, path };
    int saved = ENOENT;
    for (int i = 0; i < 2; i++) {
        int fd = open(tries[i], O_RDONLY);
        if (fd >= 0) {
            if (path_out)
                *path_out = app_xstrdup(tries[i]);
            free(with);
            return fd;
        }
        if (errno != ENOENT)
            saved = errno;
    }
    free(with);
    errno = saved;
    return -1;
}

int run_open_program_in(const char *name, const char *path, char **path_out)
{
    if (name[0] == 0) {
        errno = ENOENT;
        return -1;
    }
    if (strchr(name, '/'))
        return open_candidate(name, path_out);
    if (!path || !*path)
        path = "/bin";
    int saved = ENOENT;
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        char *dir = app_xmalloc(n + 1);
        memcpy(dir, path, n);
        dir[n] = 0;
        char *full = app_join_path(n ? dir : ".", name);
        int fd = open_candidate(full, path_out);
        int e = errno;
        free(full);
        free(dir);
        if (fd >= 0)
            return fd;
        if (e != ENOENT)
            saved = e;
        path += n + (colon != NULL);
    }
    errno = saved;
    return -1;
}

int run_open_program(const char *name, char **path_out)
{
    return run_open_program_in(name, getenv("PATH"), path_out);
}

kpio_errno run_spawn(char *const argv[], char *const envp[], int in, int out, int err,
                     kpio_pid *pid)
{
    /* the program is looked up with the PATH it will run with (as execvp
     * in a child after the environment is set) */
    const char *path = getenv("PATH");
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0)
            path = envp[i] + 5;
    int fd = run_open_program_in(argv[0], path, NULL);
    if (fd < 0)
        return errno == ENOENT ? KPIO_ENOENT : (kpio_errno)errno;
    kpio_errno e = kpio_spawn(fd, argv, envp, in, out, err, KPIO_SPAWN_INHERIT_PREOPENS, pid);
    close(fd);
    return e;
}

int run_wait(kpio_pid pid, const char *name)
{
    kpio_proc_status st;
    kpio_errno e;
    while ((e = kpio_proc_wait(pid, 0, &st)) == KPIO_EINTR)
        ;
    if (e != KPIO_OK)
        return -1;
    switch (st.reason) {
    case KPIO_EXIT_NORMAL:
        return st.code & 0xFF;
    case KPIO_EXIT_KILLED:
        return 128 + 9;
    default:
        fprintf(stderr, "%s: %s: crashed: %s\n", app_name(), name, kpio_trap_message(st.code));
        return 128 + 6;
    }
}
