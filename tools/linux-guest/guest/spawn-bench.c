/*
 * spawn-bench [N] — Linux's equivalent of KPIO's app cold start: fork, exec
 * a static busybox applet (`true`), waitpid; and the cost of a null system
 * call (syscall(SYS_getppid), never cached by the C library). Each the
 * median of 5 runs; printed as bench lines for tests/bench/userspace_bench.py.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "bench.h"

/* ns per fork + exec + wait over n starts. */
static double spawn_run(int n)
{
    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            execl("/bin/busybox", "true", (char *)NULL);
            _exit(127);
        }
        int status;
        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            printf("spawn-bench: busybox true failed\n");
            exit(1);
        }
    }
    return (double)(now_ns() - t0) / n;
}

static double syscall_run(long n)
{
    uint64_t t0 = now_ns();
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    return (double)(now_ns() - t0) / (double)n;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100;
    double spawn[5], call[5];
    spawn_run(5);                   /* page cache and allocator warm */
    for (int r = 0; r < 5; r++) {
        spawn[r] = spawn_run(n);
        call[r] = syscall_run(200000);
    }
    report("linux_fork_exec_wait", median(spawn, 5), "ns");
    report("linux_null_syscall", median(call, 5), "ns");
    return 0;
}
