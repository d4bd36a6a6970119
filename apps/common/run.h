/*
 * apps/common/run.h — find and start programs through the kpio process
 * API, for env and the shell.
 *
 * Programs are WebAssembly modules. A name with a '/' is a path; any other
 * name is looked for in each directory of $PATH (default "/bin"; for
 * run_spawn, the PATH of the environment it is given). In each
 * place NAME.wasm is tried first, then NAME.
 */
#ifndef KPIO_RUN_H
#define KPIO_RUN_H

#include <kpio.h>
#include <stdbool.h>

/* Open the module for program `name` for reading. Returns the fd, or -1
 * with errno set (ENOENT when it is nowhere). *path_out (may be NULL)
 * gets a malloc'd copy of the path found. */
int run_open_program(const char *name, char **path_out);
/* The same with a given $PATH value (NULL or empty: "/bin"). */
int run_open_program_in(const char *name, const char *path, char **path_out);

/* Start argv[0] with the given environment and stdio fds; the child gets
 * the caller's preopened directories. Returns 0 and sets *pid, or a
 * KPIO_E* error (KPIO_ENOENT when the program is not found). */
kpio_errno run_spawn(char *const argv[], char *const envp[], int in, int out, int err,
                     kpio_pid *pid);

/* Wait for pid and turn its end into a shell exit status: the exit code,
 * 128 + 9 when killed, 128 + 6 after a trap (with a message on stderr
 * naming the trap). Returns -1 if pid cannot be waited for. */
int run_wait(kpio_pid pid, const char *name);

#endif
