/*
 * tests/apps/src/kpio_api.c — the kpio host API exercised from inside an
 * app, against what sdk/include/kpio.h promises: results, error numbers,
 * and that bad pointers are refused. Prints "ok NAME" or "FAIL NAME: ...";
 * exits with the number of failures.
 *
 *   kpio_api HOSTILE.wasm      all checks (network: loopback allowed)
 *   kpio_api --nonet           checks for a process without network permission
 *   kpio_api --nosystem        checks for a process without system permission
 */
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
static const char *hostile_path;

#define CHECK(name, cond, ...)                                     \
    do {                                                           \
        if (cond) {                                                \
            printf("ok %s\n", name);                               \
        } else {                                                   \
            printf("FAIL %s: ", name);                             \
            printf(__VA_ARGS__);                                   \
            printf("\n");                                          \
            failures++;                                            \
        }                                                          \
    } while (0)

#define BAD ((void *)(uintptr_t)0xFFFFFFF0u)

/* A request for module with the packed arguments args[0..n), all stdio
 * the null stream. */
static kpio_spawn_request request(int module, const char *args, size_t n)
{
    kpio_spawn_request req;
    memset(&req, 0, sizeof req);
    req.module_fd = (uint32_t)module;
    req.argv = (kpio_ptr)(uintptr_t)args;
    req.argv_len = (uint32_t)n;
    req.stdin_fd = req.stdout_fd = req.stderr_fd = KPIO_STDIO_NULL;
    return req;
}

/* Spawn hostile with args; stdout/stderr to the null stream unless given. */
static kpio_errno spawn_hostile(const char *a1, const char *a2, uint32_t pages, uint32_t cpu_ms,
                                kpio_pid *pid)
{
    int fd = open(hostile_path, O_RDONLY);
    if (fd < 0)
        return KPIO_ENOENT;
    char args[256];
    size_t n = 0;
    const char *v[3] = { "hostile", a1, a2 };
    for (int i = 0; i < 3 && v[i]; i++) {
        size_t l = strlen(v[i]) + 1;
        memcpy(args + n, v[i], l);
        n += l;
    }
    kpio_spawn_request req = request(fd, args, n);
    req.max_memory_pages = pages;
    req.cpu_limit_ms = cpu_ms;
    kpio_errno e = kpio_proc_spawn(&req, pid);
    close(fd);
    return e;
}

static void check_processes(void)
{
    kpio_pid self = 0;
    CHECK("proc_self", kpio_proc_self(&self) == KPIO_OK && self > 0, "pid %d", (int)self);

    kpio_pid pid;
    kpio_proc_status st;
    kpio_errno e = spawn_hostile("exit", "7", 0, 0, &pid);
    CHECK("spawn", e == KPIO_OK && pid > self, "e=%u pid=%d", e, (int)pid);
    e = kpio_proc_wait(pid, 0, &st);
    CHECK("wait exit code", e == KPIO_OK && st.pid == pid && st.reason == KPIO_EXIT_NORMAL && st.code == 7,
          "e=%u reason=%u code=%d", e, st.reason, st.code);
    CHECK("wait twice", kpio_proc_wait(pid, 0, &st) == KPIO_ECHILD, "not ECHILD");
    CHECK("wait no children", kpio_proc_wait(KPIO_WAIT_ANY, 0, &st) == KPIO_ECHILD, "not ECHILD");
    CHECK("kill no such pid", kpio_proc_kill(999999) == KPIO_ESRCH, "not ESRCH");

    e = spawn_hostile("spin", NULL, 0, 0, &pid);
    CHECK("wait nohang", e == KPIO_OK && kpio_proc_wait(pid, KPIO_WAIT_NOHANG, &st) == KPIO_EAGAIN,
          "e=%u", e);
    kpio_proc_info info[16];
    uint32_t count = 0;
    e = kpio_proc_list(info, 16, &count);
    int seen = 0;
    for (uint32_t i = 0; i < count && i < 16; i++)
        if (info[i].pid == pid && info[i].ppid == self && info[i].state == KPIO_PROC_RUNNING &&
            strcmp(info[i].name, "hostile") == 0)
            seen = 1;
    CHECK("proc_list", e == KPIO_OK && count >= 2 && seen, "e=%u count=%u seen=%d", e, count, seen);
    uint32_t just_count = 0;
    CHECK("proc_list count only", kpio_proc_list(NULL, 0, &just_count) == KPIO_OK && just_count == count,
          "%u vs %u", just_count, count);
    CHECK("kill", kpio_proc_kill(pid) == KPIO_OK, "kill failed");
    e = kpio_proc_wait(pid, 0, &st);
    CHECK("killed status", e == KPIO_OK && st.reason == KPIO_EXIT_KILLED, "e=%u reason=%u", e, st.reason);

    static const struct {
        const char *mode;
        int32_t trap;
    } traps[] = {
        { "trap", KPIO_TRAP_UNREACHABLE }, { "oob", KPIO_TRAP_MEMORY_OOB },
        { "divzero", KPIO_TRAP_DIV_ZERO }, { "recurse", KPIO_TRAP_STACK_EXHAUSTED },
        { "overflow", KPIO_TRAP_MEMORY_OOB },
    };
    for (size_t i = 0; i < sizeof traps / sizeof traps[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "trap %s", traps[i].mode);
        e = spawn_hostile(traps[i].mode, NULL, 0, 0, &pid);
        kpio_errno w = kpio_proc_wait(pid, 0, &st);
        CHECK(name, e == KPIO_OK && w == KPIO_OK && st.reason == KPIO_EXIT_TRAP && st.code == traps[i].trap,
              "e=%u w=%u reason=%u code=%d", e, w, st.reason, st.code);
    }

    e = spawn_hostile("spin", NULL, 0, 300, &pid);
    kpio_errno w = kpio_proc_wait(pid, 0, &st);
    CHECK("cpu limit", e == KPIO_OK && w == KPIO_OK && st.reason == KPIO_EXIT_KILLED,
          "e=%u w=%u reason=%u", e, w, st.reason);
    e = spawn_hostile("memhog", NULL, 64, 0, &pid);
    w = kpio_proc_wait(pid, 0, &st);
    CHECK("memory limit", e == KPIO_OK && w == KPIO_OK && st.reason == KPIO_EXIT_NORMAL && st.code == 3,
          "e=%u w=%u reason=%u code=%d", e, w, st.reason, st.code);
    e = spawn_hostile("badptr", NULL, 0, 0, &pid);
    w = kpio_proc_wait(pid, 0, &st);
    CHECK("bad pointers to host calls", e == KPIO_OK && st.reason == KPIO_EXIT_NORMAL && st.code == 0,
          "reason=%u code=%d", st.reason, st.code);
}

static void check_spawn_errors(void)
{
    kpio_spawn_request req;
    kpio_pid pid;
    char args[] = "x";
    int mod = open(hostile_path, O_RDONLY);
    memset(&req, 0, sizeof req);
    req.module_fd = 999;
    req.argv = (kpio_ptr)(uintptr_t)args;
    req.argv_len = sizeof args;
    CHECK("spawn bad module fd", kpio_proc_spawn(&req, &pid) == KPIO_EBADF, "not EBADF");
    int dir = open("/", O_RDONLY | O_DIRECTORY);
    req.module_fd = (uint32_t)dir;
    CHECK("spawn a directory", kpio_proc_spawn(&req, &pid) == KPIO_EISDIR, "not EISDIR");
    close(dir);
    FILE *f = fopen("notwasm.bin", "w");
    fputs("this is not a module", f);
    fclose(f);
    int junk = open("notwasm.bin", O_RDONLY);
    req.module_fd = (uint32_t)junk;
    req.stderr_fd = KPIO_STDIO_NULL;
    CHECK("spawn not a module", kpio_proc_spawn(&req, &pid) == KPIO_ENOEXEC, "not ENOEXEC");
    close(junk);
    unlink("notwasm.bin");
    req.module_fd = (uint32_t)mod;
    req.stderr_fd = 0;
    req.argv_len = 0;
    CHECK("spawn without argv", kpio_proc_spawn(&req, &pid) == KPIO_EINVAL, "not EINVAL");
    req.argv_len = 1;   /* "x" without its NUL */
    CHECK("spawn argv unterminated", kpio_proc_spawn(&req, &pid) == KPIO_EINVAL, "not EINVAL");
    req.argv_len = sizeof args;
    char env[] = "NOEQUALS";
    req.env = (kpio_ptr)(uintptr_t)env;
    req.env_len = sizeof env;
    CHECK("spawn bad environment", kpio_proc_spawn(&req, &pid) == KPIO_EINVAL, "not EINVAL");
    req.env_len = 0;
    req.reserved = 1;
    CHECK("spawn reserved field", kpio_proc_spawn(&req, &pid) == KPIO_EINVAL, "not EINVAL");
    req.reserved = 0;
    req.stdout_fd = 777;
    CHECK("spawn bad stdio fd", kpio_proc_spawn(&req, &pid) == KPIO_EBADF, "not EBADF");
    req.stdout_fd = 1;
    req.argv = (kpio_ptr)(uintptr_t)BAD;
    CHECK("spawn bad argv pointer", kpio_proc_spawn(&req, &pid) == KPIO_EFAULT, "not EFAULT");
    CHECK("spawn bad request pointer", kpio_proc_spawn(BAD, &pid) == KPIO_EFAULT, "not EFAULT");
    close(mod);
}

/* Run /bin/ls.wasm ARG with one explicit preopen (/tests as /jail) and
 * nothing else; returns what it printed and its status. */
static int ls_in_jail(const char *arg, char *out, size_t cap)
{
    int module = open("/bin/ls.wasm", O_RDONLY);
    int dir = open("/tests", O_RDONLY | O_DIRECTORY);
    kpio_fd p[2];
    kpio_pipe(p);
    char args[64];
    int n = snprintf(args, sizeof args, "ls%c%s", 0, arg) + 1;
    static const char jail[] = "/jail";
    kpio_preopen pre = { (uint32_t)dir, (kpio_ptr)(uintptr_t)jail, sizeof jail - 1 };
    kpio_spawn_request req = request(module, args, (size_t)n);
    req.stdout_fd = (uint32_t)p[1];
    req.stderr_fd = (uint32_t)p[1];
    req.preopens = (kpio_ptr)(uintptr_t)&pre;
    req.preopen_count = 1;
    kpio_pid pid;
    kpio_proc_status st = { 0, 0, -1, 0 };
    kpio_errno e = kpio_proc_spawn(&req, &pid);
    close(p[1]);
    close(module);
    close(dir);
    size_t len = 0;
    ssize_t got;
    while (e == KPIO_OK && len < cap - 1 && (got = read(p[0], out + len, cap - 1 - len)) > 0)
        len += (size_t)got;
    out[len] = 0;
    close(p[0]);
    if (e == KPIO_OK)
        kpio_proc_wait(pid, 0, &st);
    return st.code;
}

static void check_preopens(void)
{
    char out[512];
    int code = ls_in_jail("/jail", out, sizeof out);
    CHECK("explicit preopen", code == 0 && strstr(out, "hostile.wasm") && strstr(out, "kpio_api.wasm"),
          "code=%d out=%s", code, out);
    code = ls_in_jail("/bin", out, sizeof out);
    CHECK("nothing else visible", code != 0 && !strstr(out, "ls.wasm"), "code=%d out=%s", code, out);
}

static void check_pipes(void)
{
    kpio_fd p[2];
    kpio_errno e = kpio_pipe(p);
    char buf[16] = { 0 };
    ssize_t w = write(p[1], "hello", 5);
    ssize_t r = read(p[0], buf, sizeof buf);
    CHECK("pipe", e == KPIO_OK && w == 5 && r == 5 && memcmp(buf, "hello", 5) == 0,
          "e=%u w=%zd r=%zd", e, w, r);
    CHECK("pipe is not a terminal", !isatty(p[0]) && !isatty(p[1]), "isatty");
    close(p[1]);
    CHECK("pipe end of file", read(p[0], buf, sizeof buf) == 0, "no EOF");
    close(p[0]);
    CHECK("pipe bad pointer", kpio_pipe(BAD) == KPIO_EFAULT, "not EFAULT");
}

static void check_sockets(void)
{
    kpio_fd a, b;
    kpio_sockaddr addr, from;
    uint32_t n;
    memset(&addr, 0, sizeof addr);
    addr.family = KPIO_AF_INET;
    addr.addr[0] = 127;
    addr.addr[3] = 1;
    kpio_errno e = kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_DGRAM, &a);
    if (e == KPIO_OK)
        e = kpio_sock_bind(a, &addr);
    kpio_sockaddr local;
    if (e == KPIO_OK)
        e = kpio_sock_local_addr(a, &local);
    CHECK("udp bind", e == KPIO_OK && local.port != 0 && local.addr[0] == 127, "e=%u", e);
    e = kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_DGRAM, &b);
    if (e == KPIO_OK)
        e = kpio_sock_send_to(b, "ping", 4, 0, &local, &n);
    char buf[32];
    uint32_t got = 0;
    kpio_errno r = kpio_sock_recv_from(a, buf, sizeof buf, 0, &from, &got);
    CHECK("udp datagram", e == KPIO_OK && n == 4 && r == KPIO_OK && got == 4 &&
                              memcmp(buf, "ping", 4) == 0 && from.addr[0] == 127 && from.port != 0,
          "e=%u r=%u got=%u", e, r, got);
    close(a);
    close(b);

    /* TCP in one process: listen, a non-blocking connect, accept */
    kpio_fd l, c, s;
    e = kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_STREAM, &l);
    if (e == KPIO_OK)
        e = kpio_sock_set_option(l, KPIO_SO_REUSEADDR, 1);
    if (e == KPIO_OK)
        e = kpio_sock_bind(l, &addr);
    if (e == KPIO_OK)
        e = kpio_sock_listen(l, 4);
    if (e == KPIO_OK)
        e = kpio_sock_local_addr(l, &local);
    CHECK("tcp listen", e == KPIO_OK && local.port != 0, "e=%u", e);
    e = kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_STREAM | KPIO_SOCK_NONBLOCK, &c);
    kpio_errno ce = kpio_sock_connect(c, &local);
    CHECK("tcp connect", e == KPIO_OK && (ce == KPIO_OK || ce == KPIO_EINPROGRESS), "e=%u ce=%u", e, ce);
    kpio_sockaddr peer;
    e = kpio_sock_accept(l, 0, &s, &peer);
    CHECK("tcp accept", e == KPIO_OK && peer.addr[0] == 127, "e=%u", e);
    uint64_t v = 99, type = 0;
    kpio_sock_get_option(c, KPIO_SO_ERROR, &v);
    kpio_sock_get_option(s, KPIO_SO_TYPE, &type);
    CHECK("tcp options", v == 0 && type == KPIO_SOCK_STREAM, "error=%llu type=%llu",
          (unsigned long long)v, (unsigned long long)type);
    ssize_t w = write(s, "over tcp", 8);
    usleep(20000);
    ssize_t rd = read(c, buf, sizeof buf);
    CHECK("tcp data through fd_read/fd_write", w == 8 && rd == 8 && memcmp(buf, "over tcp", 8) == 0,
          "w=%zd r=%zd", w, rd);
    kpio_sockaddr remote;
    CHECK("peer address", kpio_sock_peer_addr(c, &remote) == KPIO_OK && remote.port == local.port,
          "wrong peer");
    close(c);
    rd = read(s, buf, sizeof buf);
    CHECK("tcp close seen", rd == 0, "r=%zd", rd);
    close(s);
    close(l);

    kpio_sockaddr outside = { KPIO_AF_INET, 80, { 10, 255, 255, 1 } };
    e = kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_STREAM, &c);
    CHECK("outside the machine refused", kpio_sock_connect(c, &outside) == KPIO_EACCES, "not EACCES");
    close(c);
    kpio_sockaddr found[4];
    uint32_t count = 0;
    e = kpio_resolve("localhost", 9, found, 4, &count);
    CHECK("resolve localhost", e == KPIO_OK && count == 1 && found[0].addr[0] == 127, "e=%u", e);
    CHECK("resolve numeric", kpio_resolve("10.1.2.3", 8, found, 4, &count) == KPIO_OK && found[0].addr[1] == 1,
          "numeric failed");
    CHECK("resolve unknown", kpio_resolve("no.such.host.invalid", 20, found, 4, &count) == KPIO_ENOENT,
          "not ENOENT");
    CHECK("socket on a pipe fd", kpio_sock_listen(0, 1) == KPIO_ENOTSOCK, "not ENOTSOCK");
    CHECK("ipv6 not yet", kpio_sock_open(KPIO_AF_INET6, KPIO_SOCK_STREAM, &c) == KPIO_EAFNOSUPPORT,
          "not EAFNOSUPPORT");
    CHECK("sock bad pointers", kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_STREAM, BAD) == KPIO_EFAULT &&
                                   kpio_resolve(BAD, 100, found, 4, &count) == KPIO_EFAULT,
          "not EFAULT");
}

static void check_system(void)
{
    kpio_uname u;
    kpio_errno e = kpio_sys_uname(&u);
    CHECK("uname", e == KPIO_OK && strcmp(u.sysname, "KPIO") == 0 && u.machine[0], "e=%u", e);
    kpio_sysinfo si;
    e = kpio_sys_info(&si);
    CHECK("sysinfo", e == KPIO_OK && si.cpus >= 1 && si.memory_total > si.memory_free &&
                         si.processes >= 1, "e=%u", e);
    kpio_fs_info fs[8];
    uint32_t count = 0;
    e = kpio_fs_list(fs, 8, &count);
    CHECK("fs_list", e == KPIO_OK && count >= 1 && strcmp(fs[0].mount, "/") == 0 &&
                         fs[0].blocks_total >= fs[0].blocks_free && fs[0].block_size > 0,
          "e=%u count=%u", e, count);
    kpio_term_size ts;
    kpio_fd p[2];
    kpio_pipe(p);
    CHECK("term on a pipe", kpio_term_get_size(p[0], &ts) == KPIO_ENOTTY &&
                                kpio_term_set_mode(p[0], KPIO_TERM_RAW) == KPIO_ENOTTY,
          "not ENOTTY");
    close(p[0]);
    close(p[1]);
    CHECK("system bad pointers", kpio_sys_uname(BAD) == KPIO_EFAULT && kpio_sys_info(BAD) == KPIO_EFAULT &&
                                     kpio_fs_list(BAD, 8, &count) == KPIO_EFAULT,
          "not EFAULT");
}

/* Module validation, power control refused, and spawn flags that take
 * permissions away (the child is this program again, at /tests). */
static void check_module_and_power(void)
{
    static const uint8_t empty[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    /* (module (func (result i32) i64.const 0)): decodes, fails validation */
    static const uint8_t invalid[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f,
                                       3, 2, 1, 0, 10, 6, 1, 4, 0, 0x42, 0, 0x0b };
    char msg[200];
    CHECK("module_validate ok", kpio_module_validate(empty, sizeof empty, msg, sizeof msg) == KPIO_OK &&
                                    msg[0] == 0, "not OK");
    kpio_errno e = kpio_module_validate(invalid, sizeof invalid, msg, sizeof msg);
    CHECK("module_validate invalid", e == KPIO_ENOEXEC && strlen(msg) > 10, "e=%u msg=%s", e, msg);
    e = kpio_module_validate(invalid, sizeof invalid, msg, 8);
    CHECK("module_validate message cut", e == KPIO_ENOEXEC && strlen(msg) == 7, "len %zu",
          strlen(msg));
    CHECK("module_validate bad pointer", kpio_module_validate(BAD, 100, msg, sizeof msg) == KPIO_EFAULT,
          "not EFAULT");
    CHECK("sys_power bad action", kpio_sys_power(99) == KPIO_EINVAL, "not EINVAL");

    static const struct { const char *mode; uint32_t flags; } children[] = {
        { "--nonet", KPIO_SPAWN_NO_NETWORK },
        { "--nosystem", KPIO_SPAWN_NO_SYSTEM },
    };
    for (size_t i = 0; i < sizeof children / sizeof children[0]; i++) {
        int fd = open("/tests/kpio_api.wasm", O_RDONLY);
        char args[64];
        size_t n = (size_t)snprintf(args, sizeof args, "kpio_api%c%s", 0, children[i].mode) + 1;
        kpio_spawn_request req = request(fd, args, n);
        req.stdout_fd = 1;
        req.flags = children[i].flags;
        kpio_pid pid;
        kpio_proc_status st;
        e = kpio_proc_spawn(&req, &pid);
        close(fd);
        CHECK(children[i].mode, e == KPIO_OK && kpio_proc_wait(pid, 0, &st) == KPIO_OK &&
                                    st.reason == KPIO_EXIT_NORMAL && st.code == 0,
              "e=%u", e);
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "--nosystem") == 0) {
        CHECK("no system: power", kpio_sys_power(KPIO_POWER_OFF) == KPIO_EPERM, "not EPERM");
        return failures;
    }
    if (argc == 2 && strcmp(argv[1], "--nonet") == 0) {
        kpio_fd fd;
        kpio_sockaddr found[1];
        uint32_t count;
        CHECK("no network: socket", kpio_sock_open(KPIO_AF_INET, KPIO_SOCK_STREAM, &fd) == KPIO_EACCES,
              "not EACCES");
        CHECK("no network: resolve", kpio_resolve("localhost", 9, found, 1, &count) == KPIO_EACCES,
              "not EACCES");
        return failures;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: kpio_api HOSTILE.wasm | --nonet\n");
        return 100;
    }
    hostile_path = argv[1];
    check_processes();
    check_spawn_errors();
    check_preopens();
    check_pipes();
    check_sockets();
    check_system();
    check_module_and_power();
    printf("%d failures\n", failures);
    return failures;
}
