/*
 * tests/unit/kpio/kpio_spawn_test.c — the embedder's side of the kpio
 * process table (kpio_host.h: kpio_spawn_child, kpio_wait_child,
 * kpio_kill), as the kernel's launcher will use it, with the real runtime,
 * WASI core and Linux backends, under ASan and UBSan. The modules are the
 * test programs built to build/wasm/tests and the core utilities.
 *
 * Not cmocka: its SIGSEGV handler would replace the runtime's, which turns
 * guard-page faults into WebAssembly traps. Each check counts; the last
 * line is 'N passed, N failed'.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            passed++;                                                            \
        } else {                                                                 \
            failed++;                                                            \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                        \
    } while (0)
#define CHECK_EQ(a, b) CHECK((long long)(a) == (long long)(b))

#include "kpio_host.h"
#include "kpio_internal.h"
#include "kpio_linux.h"
#include "wasi_posix.h"

#define HOSTILE "build/wasm/tests/hostile.wasm"
#define LS      "build/wasm/bin/ls.wasm"

static kpio_system *sys;
static kpio_process *kernel;   /* the embedder's own process: the parent */

static int setup(void)
{
    kpio_backend kbe;
    wasi_backend wbe;
    kpio_linux_backend(&kbe, false);
    wasi_posix_backend(&wbe);
    sys = kpio_system_new(&kbe, &wbe);
    kpio_permissions perms = { .network = false };
    kernel = kpio_process_attach(sys, NULL, "kernel", &perms);
    return sys && kernel ? 0 : -1;
}

static int teardown(void)
{
    kpio_process_detach(kernel);
    kpio_system_free(sys);
    return 0;
}

/* Parameters for `module argv...` with stdio to the given handles. */
static kpio_spawn_params params(int module, const char *const *argv, int argc, int out, int err)
{
    kpio_spawn_params sp;
    memset(&sp, 0, sizeof sp);
    sp.module = module;
    sp.argc = argc;
    sp.argv = argv;
    sp.stdio[0] = -1;
    sp.stdio[1] = out;
    sp.stdio[2] = err;
    for (int i = 0; i < 3; i++)
        sp.stdio_rights[i] = ~0ull;
    return sp;
}

static int open_module(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        printf("cannot open %s (run make first)\n", path);
        exit(1);
    }
    return fd;
}

/* Read everything from fd into buf. */
static size_t read_all(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    ssize_t n;
    while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = 0;
    return len;
}

static void test_spawn_and_wait(void)
{
    int module = open_module(HOSTILE);
    const char *argv[] = { "hostile", "exit", "5" };
    kpio_spawn_params sp = params(module, argv, 3, -1, -1);
    int32_t pid;
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_OK);
    kpio_proc_status st;
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_OK);
    CHECK_EQ(st.pid, pid);
    CHECK_EQ(st.reason, KPIO_EXIT_NORMAL);
    CHECK_EQ(st.code, 5);
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_ECHILD);
    CHECK_EQ(kpio_wait_child(kernel, -1, true, &st), KPIO_ECHILD);
    close(module);
}

static void test_output_through_a_pipe(void)
{
    int module = open_module(HOSTILE);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    const char *argv[] = { "hostile", "badptr" };
    kpio_spawn_params sp = params(module, argv, 2, p[1], p[1]);
    int32_t pid;
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_OK);
    close(p[1]);   /* the child has its own copies */
    char out[256];
    read_all(p[0], out, sizeof out);
    close(p[0]);
    CHECK(strstr(out, "hostile: badptr\n"));
    CHECK(strstr(out, "badptr: 21 21 -1\n"));
    kpio_proc_status st;
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_OK);
    CHECK_EQ(st.code, 0);
    close(module);
}

static void test_module_compiled_once(void)
{
    int module = open_module(HOSTILE);
    const char *argv[] = { "hostile", "exit", "0" };
    kpio_spawn_params sp = params(module, argv, 3, -1, -1);
    int32_t pids[3];
    for (int i = 0; i < 3; i++)
        CHECK_EQ(kpio_spawn_child(kernel, &sp, &pids[i]), KPIO_OK);
    kpio_proc_status st;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(kpio_wait_child(kernel, pids[i], false, &st), KPIO_OK);
    int cached = 0;
    for (int i = 0; i < KPIO_MODULE_CACHE; i++)
        cached += sys->cache[i].module != NULL && sys->cache[i].users == 0;
    CHECK_EQ(cached, 1);   /* one compiled module for the file, now idle */
    close(module);
}

static void test_kill_and_limits(void)
{
    int module = open_module(HOSTILE);
    const char *spin[] = { "hostile", "spin" };
    kpio_spawn_params sp = params(module, spin, 2, -1, -1);
    int32_t pid;
    kpio_proc_status st;
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_OK);
    CHECK_EQ(kpio_wait_child(kernel, pid, true, &st), KPIO_EAGAIN);
    CHECK_EQ(kpio_kill(sys, pid), KPIO_OK);
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_OK);
    CHECK_EQ(st.reason, KPIO_EXIT_KILLED);
    CHECK_EQ(kpio_kill(sys, pid), KPIO_ESRCH);

    sp.cpu_limit_ms = 200;
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_OK);
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_OK);
    CHECK_EQ(st.reason, KPIO_EXIT_KILLED);

    const char *hog[] = { "hostile", "memhog" };
    sp = params(module, hog, 2, -1, -1);
    sp.max_memory_pages = 100;
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_OK);
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_OK);
    CHECK_EQ(st.reason, KPIO_EXIT_NORMAL);
    CHECK_EQ(st.code, 3);

    const char *trap[] = { "hostile", "oob" };
    sp = params(module, trap, 2, -1, -1);
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_OK);
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_OK);
    CHECK_EQ(st.reason, KPIO_EXIT_TRAP);
    CHECK_EQ(st.code, KPIO_TRAP_MEMORY_OOB);
    close(module);
}

static void test_directories(void)
{
    char dir[] = "/tmp/kpio-spawn-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/visible.txt", dir);
    fclose(fopen(path, "w"));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int module = open_module(LS);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    const char *argv[] = { "ls", "/data" };
    kpio_spawn_params sp = params(module, argv, 2, p[1], p[1]);
    kpio_dir d = { dfd, "/data", ~0ull, ~0ull };
    sp.dirs = &d;
    sp.ndirs = 1;
    int32_t pid;
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_OK);
    close(p[1]);
    char out[256];
    read_all(p[0], out, sizeof out);
    close(p[0]);
    kpio_proc_status st;
    CHECK_EQ(kpio_wait_child(kernel, pid, false, &st), KPIO_OK);
    CHECK_EQ(st.code, 0);
    CHECK(strcmp(out, "visible.txt\n") == 0);
    close(dfd);
    close(module);
    unlink(path);
    rmdir(dir);
}

static void test_refused_requests(void)
{
    int module = open_module(HOSTILE);
    int32_t pid;
    const char *argv[] = { "x" };
    kpio_spawn_params sp = params(module, argv, 0, -1, -1);
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_EINVAL);
    const char *env[] = { "NOEQUALS" };
    sp = params(module, argv, 1, -1, -1);
    sp.envc = 1;
    sp.env = env;
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_EINVAL);

    /* not a module: ENOEXEC, and the reason on the child's stderr */
    char junk[] = "/tmp/kpio-junk-XXXXXX";
    int jfd = mkstemp(junk);
    CHECK_EQ(write(jfd, "not wasm", 8), 8);
    int p[2];
    CHECK_EQ(pipe(p), 0);
    sp = params(jfd, argv, 1, -1, p[1]);
    CHECK_EQ(kpio_spawn_child(kernel, &sp, &pid), KPIO_ENOEXEC);
    close(p[1]);
    char out[256];
    read_all(p[0], out, sizeof out);
    CHECK(strstr(out, "kpio: x: not a valid program:"));
    close(p[0]);
    close(jfd);
    unlink(junk);
    close(module);
    CHECK_EQ(kpio_system_process_count(sys), 1);   /* only the kernel's */
}

int main(void)
{
    if (setup() != 0) {
        puts("cannot set up the process table");
        return 1;
    }
    static void (*const tests[])(void) = {
        test_spawn_and_wait, test_output_through_a_pipe, test_module_compiled_once,
        test_kill_and_limits, test_directories, test_refused_requests,
    };
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
        tests[i]();
    teardown();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
