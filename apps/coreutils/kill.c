/*
 * kill — end processes.
 *
 *   kill [-s SIGNAL | -SIGNAL] PID...
 *
 * WebAssembly programs cannot catch signals, so every signal ends the
 * process (kpio_proc_kill); the signal given is accepted for familiarity
 * and otherwise ignored.
 */
#include <kpio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"

int main(int argc, char **argv)
{
    app_init("kill");
    int i = 1;
    if (i < argc && strcmp(argv[i], "-s") == 0)
        i += 2;
    else if (i < argc && argv[i][0] == '-' && argv[i][1] != 0 && strcmp(argv[i], "--") != 0)
        i++;
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i >= argc)
        app_usage(1, "[-s SIGNAL | -SIGNAL] PID...");
    int status = 0;
    for (; i < argc; i++) {
        int64_t pid;
        if (!app_parse_i64(argv[i], &pid) || pid <= 0 || pid > INT32_MAX) {
            app_warn("invalid process id: %s", argv[i]);
            status = 1;
            continue;
        }
        kpio_errno e = kpio_proc_kill((kpio_pid)pid);
        if (e != KPIO_OK) {
            app_warn("(%s) - %s", argv[i], kpio_strerror(e));
            status = 1;
        }
    }
    return app_finish(status);
}
