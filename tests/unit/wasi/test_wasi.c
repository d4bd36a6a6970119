/*
 * tests/unit/wasi/test_wasi.c — the WASI core and the Linux backend, called
 * directly through a stand-in engine (fake_engine.c), under ASan and UBSan.
 * Most of it proves the sandbox: '..', absolute paths, symlinks out, symlink
 * loops and a symlink swapped in during lookups never reach a file outside
 * the preopened directory. The rest checks argument decoding, guest pointer
 * checks, rights and the witx layouts the conformance suite cannot see.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_engine.h"
#include "wasi.h"
#include "wasi_abi.h"
#include "wasi_posix.h"

static char base[256];          /* temp dir: sandbox/ and outside/ */
static wasi_ctx *ctx;
static uint32_t sandbox_fd;     /* guest fd of the preopened sandbox */

/* Guest memory layout used by the tests */
#define PATH_AT   1024          /* a path string */
#define PATH2_AT  2048          /* a second one */
#define OUT_AT    64            /* results */
#define IOV_AT    128
#define BUF_AT    4096

static void write_file(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_link(const char *target, const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    assert_int_equal(symlink(target, p), 0);
}

static void make_dir(const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static bool exists(const char *rel)
{
    char p[512];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", base, rel);
    return lstat(p, &st) == 0;
}

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof(base), "/tmp/kpio-wasi-unit-XXXXXX");
    assert_non_null(mkdtemp(base));
    make_dir("sandbox");
    make_dir("outside");
    make_dir("sandbox/sub");
    make_dir("sandbox/realdir");
    write_file("outside/secret.txt", "SECRET");
    write_file("sandbox/file.txt", "hello");
    write_file("sandbox/sub/inner.txt", "inner");
    write_file("sandbox/realdir/secret.txt", "inside");
    make_link("../outside", "sandbox/link_out");
    char abs[512];
    snprintf(abs, sizeof(abs), "%s/outside", base);
    make_link(abs, "sandbox/link_abs");
    make_link("sub/inner.txt", "sandbox/link_in");
    make_link("loop2", "sandbox/loop1");
    make_link("loop1", "sandbox/loop2");
    make_link("chain2", "sandbox/chain1");
    make_link("sub", "sandbox/chain2");
    make_link("..", "sandbox/sub/up");
    make_link("../..", "sandbox/sub/upup");
    make_link("up/link_out", "sandbox/sub/sneaky");

    wasi_backend be;
    wasi_posix_backend(&be);
    ctx = wasi_ctx_new(&be);
    assert_non_null(ctx);
    for (int fd = 0; fd < 3; fd++)
        wasi_ctx_set_stdio(ctx, fd, fd, false);
    char sb[512];
    snprintf(sb, sizeof(sb), "%s/sandbox", base);
    int dfd = open(sb, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    int g = wasi_ctx_preopen_dir(ctx, dfd, "/sandbox");
    assert_int_equal(g, 3);
    sandbox_fd = (uint32_t)g;
    fake_reset_linker();
    assert_int_equal(wasi_link(NULL, ctx), WASM_OK);
    memset(&fake_inst, 0, sizeof(fake_inst));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    wasi_ctx_free(ctx);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static uint32_t put_str(uint32_t at, const char *s)
{
    size_t n = strlen(s);
    memcpy(fake_inst.mem + at, s, n);
    return (uint32_t)n;
}

static uint32_t ld32(uint32_t at) { uint32_t v; memcpy(&v, fake_inst.mem + at, 4); return v; }
static uint64_t ld64(uint32_t at) { uint64_t v; memcpy(&v, fake_inst.mem + at, 8); return v; }

#define READ_RIGHTS (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL | \
                     WASI_RIGHT_FD_FILESTAT_GET | WASI_RIGHT_FD_READDIR)

/* path_open `path` in the sandbox; returns the errno, the fd in *fd. */
static int open_path(const char *path, bool follow, uint32_t oflags, uint64_t rights,
                     uint32_t *fd)
{
    uint32_t len = put_str(PATH_AT, path);
    int64_t e = WCALL("path_open", sandbox_fd, follow ? WASI_LOOKUP_SYMLINK_FOLLOW : 0,
                      PATH_AT, len, oflags, rights, rights, 0, OUT_AT);
    *fd = ld32(OUT_AT);
    return (int)e;
}

/* Read up to 63 bytes of fd into a static string. */
static const char *read_fd(uint32_t fd)
{
    static char text[64];
    uint32_t iov[2] = { BUF_AT, 63 };
    memcpy(fake_inst.mem + IOV_AT, iov, 8);
    assert_int_equal(WCALL("fd_read", fd, IOV_AT, 1, OUT_AT), 0);
    uint32_t n = ld32(OUT_AT);
    memcpy(text, fake_inst.mem + BUF_AT, n);
    text[n] = 0;
    return text;
}

/* Open, read and close; the contents, or NULL with *err set. */
static const char *open_read(const char *path, int *err)
{
    uint32_t fd;
    *err = open_path(path, true, 0, READ_RIGHTS, &fd);
    if (*err)
        return NULL;
    const char *t = read_fd(fd);
    assert_int_equal(WCALL("fd_close", fd), 0);
    return t;
}

static void test_all_functions_defined(void **state)
{
    (void)state;
    assert_int_equal(fake_defined_count(), 46);
}

static void test_paths_inside_work(void **state)
{
    (void)state;
    int e;
    assert_string_equal(open_read("file.txt", &e), "hello");
    assert_string_equal(open_read("./sub/../file.txt", &e), "hello");
    assert_string_equal(open_read("sub//inner.txt", &e), "inner");
    assert_string_equal(open_read("sub/up/file.txt", &e), "hello");    /* symlink "..", inside */
    assert_string_equal(open_read("link_in", &e), "inner");
    assert_string_equal(open_read("chain1/inner.txt", &e), "inner");   /* a symlink chain */
}

static void test_dotdot_cannot_leave(void **state)
{
    (void)state;
    int e;
    assert_null(open_read("../outside/secret.txt", &e));
    assert_int_equal(e, WASI_ENOTCAPABLE);
    assert_null(open_read("sub/../../outside/secret.txt", &e));
    assert_int_equal(e, WASI_ENOTCAPABLE);
    assert_null(open_read("..", &e));
    assert_int_equal(e, WASI_ENOTCAPABLE);
    assert_null(open_read("sub/../..", &e));
    assert_int_equal(e, WASI_ENOTCAPABLE);
}

static void test_absolute_paths_refused(void **state)
{
    (void)state;
    int e;
    assert_null(open_read("/etc/passwd", &e));
    assert_int_equal(e, WASI_ENOTCAPABLE);
    char p[512];
    snprintf(p, sizeof(p), "%s/outside/secret.txt", base);
    assert_null(open_read(p, &e));
    assert_int_equal(e, WASI_ENOTCAPABLE);
}

static void test_symlinks_cannot_leave(void **state)
{
    (void)state;
    const char *bad[] = { "link_out/secret.txt", "link_out", "link_abs/secret.txt", "link_abs",
                          "sub/upup/outside/secret.txt", "sub/sneaky/secret.txt",
                          "chain1/upup/outside/secret.txt" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int e;
        assert_null(open_read(bad[i], &e));
        assert_int_equal(e, WASI_ENOTCAPABLE);
    }
    /* stat through a symlink out: refused as well */
    uint32_t len = put_str(PATH_AT, "link_out/secret.txt");
    assert_int_equal(WCALL("path_filestat_get", sandbox_fd, WASI_LOOKUP_SYMLINK_FOLLOW,
                           PATH_AT, len, BUF_AT), WASI_ENOTCAPABLE);
}

static void test_symlink_loops(void **state)
{
    (void)state;
    int e;
    assert_null(open_read("loop1", &e));
    assert_int_equal(e, WASI_ELOOP);
    assert_null(open_read("loop1/x", &e));
    assert_int_equal(e, WASI_ELOOP);
}

static void test_nofollow(void **state)
{
    (void)state;
    uint32_t fd;
    assert_int_equal(open_path("link_in", false, 0, READ_RIGHTS, &fd), WASI_ELOOP);
    uint32_t len = put_str(PATH_AT, "link_in");
    assert_int_equal(WCALL("path_filestat_get", sandbox_fd, 0, PATH_AT, len, BUF_AT), 0);
    assert_int_equal(fake_inst.mem[BUF_AT + 16], WASI_FILETYPE_SYMBOLIC_LINK);
    assert_int_equal(WCALL("path_filestat_get", sandbox_fd, WASI_LOOKUP_SYMLINK_FOLLOW,
                           PATH_AT, len, BUF_AT), 0);
    assert_int_equal(fake_inst.mem[BUF_AT + 16], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(ld64(BUF_AT + 32), 5);   /* "inner" */
}

static void test_modifications_stay_inside(void **state)
{
    (void)state;
    uint32_t len = put_str(PATH_AT, "link_out/secret.txt");
    assert_int_equal(WCALL("path_unlink_file", sandbox_fd, PATH_AT, len), WASI_ENOTCAPABLE);
    assert_true(exists("outside/secret.txt"));
    len = put_str(PATH_AT, "../outside/secret.txt");
    assert_int_equal(WCALL("path_unlink_file", sandbox_fd, PATH_AT, len), WASI_ENOTCAPABLE);
    /* Unlinking the symlink itself removes the link, not its target. */
    len = put_str(PATH_AT, "link_out");
    assert_int_equal(WCALL("path_unlink_file", sandbox_fd, PATH_AT, len), 0);
    assert_false(exists("sandbox/link_out"));
    assert_true(exists("outside/secret.txt"));
    /* rename and link out of the sandbox */
    len = put_str(PATH_AT, "file.txt");
    uint32_t len2 = put_str(PATH2_AT, "../stolen.txt");
    assert_int_equal(WCALL("path_rename", sandbox_fd, PATH_AT, len, sandbox_fd, PATH2_AT, len2),
                     WASI_ENOTCAPABLE);
    assert_int_equal(WCALL("path_link", sandbox_fd, 0, PATH_AT, len, sandbox_fd, PATH2_AT, len2),
                     WASI_ENOTCAPABLE);
    assert_false(exists("stolen.txt"));
    len2 = put_str(PATH2_AT, "link_abs/x");
    assert_int_equal(WCALL("path_create_directory", sandbox_fd, PATH2_AT, len2),
                     WASI_ENOTCAPABLE);
    assert_false(exists("outside/x"));
    /* creating through a symlink chain that leaves */
    uint32_t fd;
    assert_int_equal(open_path("sub/upup/outside/new.txt", true, WASI_OFLAG_CREAT,
                               READ_RIGHTS | WASI_RIGHT_FD_WRITE, &fd), WASI_ENOTCAPABLE);
    assert_false(exists("outside/new.txt"));
}

static void test_symlink_creation(void **state)
{
    (void)state;
    uint32_t len = put_str(PATH_AT, "/etc");
    uint32_t len2 = put_str(PATH2_AT, "abs");
    assert_int_equal(WCALL("path_symlink", PATH_AT, len, sandbox_fd, PATH2_AT, len2),
                     WASI_ENOTCAPABLE);
    len = put_str(PATH_AT, "../outside");
    len2 = put_str(PATH2_AT, "rel_out");
    assert_int_equal(WCALL("path_symlink", PATH_AT, len, sandbox_fd, PATH2_AT, len2),
                     WASI_ENOTCAPABLE);
    assert_false(exists("sandbox/rel_out"));
    len = put_str(PATH_AT, "../x/../../outside");       /* climbs out on the way */
    len2 = put_str(PATH2_AT, "sub/rel_out");
    assert_int_equal(WCALL("path_symlink", PATH_AT, len, sandbox_fd, PATH2_AT, len2),
                     WASI_ENOTCAPABLE);
    /* one level down, ".." stays inside */
    len = put_str(PATH_AT, "../realdir/./secret.txt");
    len2 = put_str(PATH2_AT, "sub/ok");
    assert_int_equal(WCALL("path_symlink", PATH_AT, len, sandbox_fd, PATH2_AT, len2), 0);
    int e;
    assert_string_equal(open_read("sub/ok", &e), "inside");
    len = put_str(PATH_AT, "../outside");
    len2 = put_str(PATH2_AT, "rel_out");
    make_link("../outside", "sandbox/rel_out");     /* made on the host */
    assert_null(open_read("rel_out/secret.txt", &e));
    assert_int_equal(e, WASI_ENOTCAPABLE);
    /* readlink reports the target as written */
    assert_int_equal(WCALL("path_readlink", sandbox_fd, PATH2_AT, len2, BUF_AT, 100, OUT_AT), 0);
    assert_int_equal(ld32(OUT_AT), 10);
    assert_memory_equal(fake_inst.mem + BUF_AT, "../outside", 10);
    /* a short buffer gets the start of it */
    assert_int_equal(WCALL("path_readlink", sandbox_fd, PATH2_AT, len2, BUF_AT, 4, OUT_AT), 0);
    assert_int_equal(ld32(OUT_AT), 4);
}

/* Flips sandbox/flip between a real directory and a symlink to outside/
 * while the test opens flip/secret.txt. */
static atomic_bool flipping;

static void *flipper(void *arg)
{
    (void)arg;
    char flip[512], real[512], tmp[512];
    snprintf(flip, sizeof(flip), "%s/sandbox/flip", base);
    snprintf(real, sizeof(real), "%s/sandbox/realdir", base);
    snprintf(tmp, sizeof(tmp), "%s/sandbox/flip.tmp", base);
    while (atomic_load(&flipping)) {
        /* flip -> the real directory (by rename), then a symlink outside */
        rename(real, flip);
        rename(flip, real);
        unlink(tmp);
        symlink("../outside", tmp);
        rename(tmp, flip);
        unlink(flip);
    }
    return NULL;
}

static void test_symlink_race(void **state)
{
    (void)state;
    pthread_t t;
    atomic_store(&flipping, true);
    assert_int_equal(pthread_create(&t, NULL, flipper, NULL), 0);
    int inside = 0, refused = 0;
    for (int i = 0; i < 4000; i++) {
        int e;
        const char *text = open_read("flip/secret.txt", &e);
        if (text) {
            assert_string_equal(text, "inside");    /* never "SECRET" */
            inside++;
        } else {
            assert_true(e == WASI_ENOENT || e == WASI_ENOTCAPABLE || e == WASI_ENOTDIR ||
                        e == WASI_ELOOP);
            refused += e == WASI_ENOTCAPABLE;
        }
    }
    atomic_store(&flipping, false);
    pthread_join(t, NULL);
    print_message("race: %d opens inside, %d refused as escapes\n", inside, refused);
}

static void test_bad_guest_pointers(void **state)
{
    (void)state;
    /* iovec array past the end of memory */
    assert_int_equal(WCALL("fd_write", 1, FAKE_MEM_SIZE - 4, 1, OUT_AT), WASI_EFAULT);
    /* a buffer that runs past the end */
    uint32_t iov[2] = { FAKE_MEM_SIZE - 10, 11 };
    memcpy(fake_inst.mem + IOV_AT, iov, 8);
    assert_int_equal(WCALL("fd_write", 1, IOV_AT, 1, OUT_AT), WASI_EFAULT);
    /* a huge iovec count */
    assert_int_equal(WCALL("fd_write", 1, IOV_AT, 0xffffffffu, OUT_AT), WASI_EINVAL);
    /* result pointer out of bounds */
    assert_int_equal(WCALL("fd_write", 1, IOV_AT, 0, FAKE_MEM_SIZE - 2), WASI_EFAULT);
    assert_int_equal(WCALL("clock_time_get", WASI_CLOCK_MONOTONIC, 0, FAKE_MEM_SIZE - 7),
                     WASI_EFAULT);
    /* a path past the end */
    assert_int_equal(WCALL("path_open", sandbox_fd, 0, FAKE_MEM_SIZE - 2, 3, 0, READ_RIGHTS,
                           0, 0, OUT_AT), WASI_EFAULT);
    assert_int_equal(WCALL("path_open", sandbox_fd, 0, 0xfffffff0u, 0x20, 0, READ_RIGHTS,
                           0, 0, OUT_AT), WASI_EFAULT);
    assert_int_equal(WCALL("random_get", FAKE_MEM_SIZE, 1), WASI_EFAULT);
    assert_int_equal(WCALL("random_get", FAKE_MEM_SIZE, 0), 0);
    assert_int_equal(WCALL("poll_oneoff", FAKE_MEM_SIZE - 40, OUT_AT, 1, OUT_AT), WASI_EFAULT);
    assert_int_equal(WCALL("args_get", FAKE_MEM_SIZE, FAKE_MEM_SIZE), 0);  /* no args: no bytes */
}

static void test_rights_enforced(void **state)
{
    (void)state;
    uint32_t fd;
    assert_int_equal(open_path("file.txt", true, 0, READ_RIGHTS, &fd), 0);
    uint32_t iov[2] = { BUF_AT, 1 };
    memcpy(fake_inst.mem + IOV_AT, iov, 8);
    assert_int_equal(WCALL("fd_write", fd, IOV_AT, 1, OUT_AT), WASI_ENOTCAPABLE);
    /* rights can be dropped, never added back */
    assert_int_equal(WCALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_READ, 0), 0);
    assert_int_equal(WCALL("fd_seek", fd, 0, WASI_WHENCE_SET, OUT_AT), WASI_ENOTCAPABLE);
    assert_int_equal(WCALL("fd_fdstat_set_rights", fd, READ_RIGHTS, 0), WASI_ENOTCAPABLE);
    assert_string_equal(read_fd(fd), "hello");
    assert_int_equal(WCALL("fd_fdstat_get", fd, BUF_AT), 0);
    assert_int_equal(fake_inst.mem[BUF_AT], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(ld64(BUF_AT + 8), WASI_RIGHT_FD_READ);
    assert_int_equal(WCALL("fd_close", fd), 0);
    assert_int_equal(WCALL("fd_close", fd), WASI_EBADF);
    /* a directory whose rights were dropped cannot open files */
    int64_t sub_e = open_path("sub", true, WASI_OFLAG_DIRECTORY,
                              WASI_RIGHT_FD_READDIR | WASI_RIGHT_PATH_OPEN, &fd);
    assert_int_equal(sub_e, 0);
    assert_int_equal(WCALL("fd_fdstat_set_rights", fd, WASI_RIGHT_FD_READDIR, 0), 0);
    uint32_t len = put_str(PATH_AT, "inner.txt");
    assert_int_equal(WCALL("path_open", fd, 0, PATH_AT, len, 0, WASI_RIGHT_FD_READ, 0, 0,
                           OUT_AT), WASI_ENOTCAPABLE);
    assert_int_equal(WCALL("fd_close", fd), 0);
    /* stdio cannot open paths */
    assert_int_equal(WCALL("path_open", 1, 0, PATH_AT, len, 0, WASI_RIGHT_FD_READ, 0, 0,
                           OUT_AT), WASI_ENOTCAPABLE);
}

static void test_prestat(void **state)
{
    (void)state;
    assert_int_equal(WCALL("fd_prestat_get", sandbox_fd, OUT_AT), 0);
    assert_int_equal(fake_inst.mem[OUT_AT], WASI_PREOPENTYPE_DIR);
    assert_int_equal(ld32(OUT_AT + 4), 8);
    assert_int_equal(WCALL("fd_prestat_dir_name", sandbox_fd, BUF_AT, 8), 0);
    assert_memory_equal(fake_inst.mem + BUF_AT, "/sandbox", 8);
    assert_int_equal(WCALL("fd_prestat_get", sandbox_fd + 1, OUT_AT), WASI_EBADF);
    assert_int_equal(WCALL("fd_prestat_get", 1, OUT_AT), WASI_EBADF);
}

/* Collect every name fd_readdir gives on `fd` with a buffer of `bufsize`
 * bytes, following cookies as wasi-libc does; returns the count. */
static int list_dir(uint32_t fd, uint32_t bufsize, char names[][64])
{
    uint64_t cookie = 0;
    int count = 0;
    for (;;) {
        assert_int_equal(WCALL("fd_readdir", fd, BUF_AT, bufsize, cookie, OUT_AT), 0);
        uint32_t used = ld32(OUT_AT), at = 0;
        bool progress = false;
        while (at + WASI_DIRENT_SIZE <= used) {
            uint32_t namelen = ld32(BUF_AT + at + 16);
            if (at + WASI_DIRENT_SIZE + namelen > used)
                break;              /* cut short: ask again from this cookie */
            memcpy(names[count], fake_inst.mem + BUF_AT + at + WASI_DIRENT_SIZE, namelen);
            names[count++][namelen] = 0;
            cookie = ld64(BUF_AT + at);
            at += WASI_DIRENT_SIZE + namelen;
            progress = true;
        }
        if (used < bufsize)
            return count;
        assert_true(progress);
    }
}

static void test_readdir(void **state)
{
    (void)state;
    uint32_t fd;
    assert_int_equal(open_path("sub", true, WASI_OFLAG_DIRECTORY, READ_RIGHTS, &fd), 0);
    char names[16][64];
    int n = list_dir(fd, 4096, names);
    int small = list_dir(fd, 40, names + 8);   /* one entry per call at most */
    assert_int_equal(n, small);
    int seen = 0;
    for (int i = 0; i < n; i++) {
        seen |= !strcmp(names[i], "inner.txt") ? 1 : !strcmp(names[i], "up") ? 2
              : !strcmp(names[i], "upup") ? 4 : !strcmp(names[i], "sneaky") ? 8 : 0;
        assert_string_equal(names[i], names[8 + i]);
    }
    assert_int_equal(seen, 15);
    assert_int_equal(WCALL("fd_readdir", sandbox_fd + 10, BUF_AT, 100, 0, OUT_AT), WASI_EBADF);
    assert_int_equal(WCALL("fd_close", fd), 0);
}

static void test_poll_clock(void **state)
{
    (void)state;
    /* one relative monotonic clock subscription of 20 ms */
    uint8_t *s = fake_inst.mem + BUF_AT;
    memset(s, 0, 48);
    uint64_t userdata = 0x1122334455667788ull, timeout = 20000000;
    memcpy(s, &userdata, 8);
    s[8] = WASI_EVENTTYPE_CLOCK;
    uint32_t id = WASI_CLOCK_MONOTONIC;
    memcpy(s + 16, &id, 4);
    memcpy(s + 24, &timeout, 8);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    assert_int_equal(WCALL("poll_oneoff", BUF_AT, BUF_AT + 256, 1, OUT_AT), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    int64_t waited = (b.tv_sec - a.tv_sec) * 1000000000ll + (b.tv_nsec - a.tv_nsec);
    assert_true(waited >= 20000000);
    assert_int_equal(ld32(OUT_AT), 1);
    assert_int_equal(ld64(BUF_AT + 256), userdata);
    assert_int_equal(fake_inst.mem[BUF_AT + 256 + 10], WASI_EVENTTYPE_CLOCK);
    assert_int_equal(WCALL("poll_oneoff", BUF_AT, BUF_AT + 256, 0, OUT_AT), WASI_EINVAL);
    /* an fd subscription on a bad fd settles at once with EBADF */
    s[8] = WASI_EVENTTYPE_FD_READ;
    id = 99;
    memcpy(s + 16, &id, 4);
    assert_int_equal(WCALL("poll_oneoff", BUF_AT, BUF_AT + 256, 1, OUT_AT), 0);
    assert_int_equal(ld32(OUT_AT), 1);
    assert_int_equal(fake_inst.mem[BUF_AT + 256 + 8], WASI_EBADF);
}

static void test_args_environ(void **state)
{
    (void)state;
    const char *argv[] = { "prog", "a b", "" };
    assert_int_equal(wasi_ctx_set_args(ctx, 3, argv), 0);
    assert_int_equal(wasi_ctx_add_env(ctx, "K=V"), 0);
    assert_int_equal(wasi_ctx_add_env(ctx, "NOEQUALS"), -EINVAL);
    assert_int_equal(WCALL("args_sizes_get", OUT_AT, OUT_AT + 4), 0);
    assert_int_equal(ld32(OUT_AT), 3);
    assert_int_equal(ld32(OUT_AT + 4), 5 + 4 + 1);
    assert_int_equal(WCALL("args_get", BUF_AT, BUF_AT + 64), 0);
    assert_int_equal(ld32(BUF_AT), BUF_AT + 64);
    assert_int_equal(ld32(BUF_AT + 4), BUF_AT + 69);
    assert_int_equal(ld32(BUF_AT + 8), BUF_AT + 73);
    assert_memory_equal(fake_inst.mem + BUF_AT + 64, "prog\0a b\0", 10);
    assert_int_equal(WCALL("environ_sizes_get", OUT_AT, OUT_AT + 4), 0);
    assert_int_equal(ld32(OUT_AT), 1);
    assert_int_equal(ld32(OUT_AT + 4), 4);
    assert_int_equal(WCALL("environ_get", BUF_AT, BUF_AT + 64), 0);
    assert_string_equal((char *)fake_inst.mem + BUF_AT + 64, "K=V");
}

static void test_proc_exit_and_raise(void **state)
{
    (void)state;
    assert_int_equal(WCALL("proc_exit", 7), -1);
    assert_true(fake_inst.exited);
    assert_int_equal(fake_inst.exit_code, 7);
    fake_inst.exited = false;
    assert_int_equal(WCALL("proc_raise", 0), 0);       /* none */
    assert_int_equal(WCALL("proc_raise", 16), 0);      /* CHLD: ignored by default */
    assert_false(fake_inst.exited);
    assert_int_equal(WCALL("proc_raise", 31), WASI_EINVAL);
    assert_int_equal(WCALL("proc_raise", 15), -1);     /* TERM ends it */
    assert_int_equal(fake_inst.exit_code, 128 + 15);
    assert_int_equal(wasi_ctx_raised_signal(ctx), 15);
    assert_string_equal(wasi_signal_name(15), "TERM");
}

static void test_renumber_and_seek(void **state)
{
    (void)state;
    uint32_t a, b;
    assert_int_equal(open_path("file.txt", true, 0, READ_RIGHTS, &a), 0);
    assert_int_equal(open_path("sub/inner.txt", true, 0, READ_RIGHTS, &b), 0);
    assert_int_equal(WCALL("fd_seek", a, 1, WASI_WHENCE_SET, OUT_AT), 0);
    assert_int_equal(ld64(OUT_AT), 1);
    assert_int_equal(WCALL("fd_seek", a, 0, 3, OUT_AT), WASI_EINVAL);
    assert_int_equal(WCALL("fd_renumber", a, b), 0);
    assert_string_equal(read_fd(b), "ello");           /* b is now file.txt at offset 1 */
    assert_int_equal(WCALL("fd_close", a), WASI_EBADF);
    assert_int_equal(WCALL("fd_renumber", b, 200), WASI_EBADF);
    assert_int_equal(WCALL("fd_close", b), 0);
}

static void test_time_and_random(void **state)
{
    (void)state;
    assert_int_equal(WCALL("clock_time_get", WASI_CLOCK_REALTIME, 1, OUT_AT), 0);
    uint64_t t = ld64(OUT_AT);
    assert_true(t > 1600000000ull * 1000000000ull);    /* after 2020 */
    assert_int_equal(WCALL("clock_time_get", 4, 1, OUT_AT), WASI_EINVAL);
    assert_int_equal(WCALL("clock_res_get", WASI_CLOCK_MONOTONIC, OUT_AT), 0);
    assert_true(ld64(OUT_AT) > 0 && ld64(OUT_AT) <= 1000000);
    memset(fake_inst.mem + BUF_AT, 0, 64);
    assert_int_equal(WCALL("random_get", BUF_AT, 64), 0);
    int zeros = 0;
    for (int i = 0; i < 64; i++)
        zeros += fake_inst.mem[BUF_AT + i] == 0;
    assert_true(zeros < 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_all_functions_defined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths_inside_work, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dotdot_cannot_leave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_absolute_paths_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks_cannot_leave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_loops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nofollow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modifications_stay_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_creation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_guest_pointers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rights_enforced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prestat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args_environ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proc_exit_and_raise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_renumber_and_seek, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time_and_random, setup, teardown),
    };
    return cmocka_run_group_tests_name("wasi", tests, NULL, NULL);
}
