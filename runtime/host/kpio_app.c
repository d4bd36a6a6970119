/*
 * runtime/host/kpio_app.c — run a .kpioapp on the host the way KPIO's
 * `app run` will: check the whole package (lib/pkg, with the runtime's
 * validator), then start its entry module through the kpio process table
 * (kpio_spawn_child) with exactly the permissions its manifest asks for:
 *
 *   filesystem = "none"        no directories at all
 *   filesystem = "read-only"   each path, with read-only WASI rights
 *   filesystem = "read-write"  each path, with full rights
 *   network = false            sockets and name resolution refused (EACCES)
 *
 *   kpio-app run [--root DIR] [--net loopback|all] PACKAGE [ARGS...]
 *
 * DIR (default: the current directory) stands for KPIO's file tree: the
 * manifest path /data/notes is DIR/data/notes (created if missing). The
 * exit status is the app's; 1 with a message if the package is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/pkg/pkg.h"
#include "kpio_host.h"
#include "kpio_linux.h"
#include "wasi_posix.h"

static int die(const char *what, const char *why)
{
    fprintf(stderr, "kpio-app: %s: %s\n", what, why);
    return 1;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
    size_t done = 0;
    while (buf && done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
        if (n <= 0) {
            free(buf);
            buf = NULL;
            break;
        }
        done += (size_t)n;
    }
    close(fd);
    *size = done;
    return buf;
}

static bool validate(void *ctx, const uint8_t *wasm, size_t len, char *msg, size_t cap)
{
    (void)ctx;
    wasm_error err;
    if (wasm_module_validate(wasm, len, &err) == WASM_OK)
        return true;
    snprintf(msg, cap, "%s", err.message);
    return false;
}

/* mkdir -p root + path; returns a directory fd or -1. */
static int open_tree_dir(const char *root, const char *path)
{
    char full[4096];
    if ((size_t)snprintf(full, sizeof full, "%s%s", root, path) >= sizeof full)
        return -1;
    for (char *p = full + strlen(root) + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(full, 0755);
            *p = '/';
        }
    }
    mkdir(full, 0755);
    return open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int run(const char *root, bool net_all, const char *path, int argc, char **argv)
{
    size_t size;
    uint8_t *data = read_file(path, &size);
    if (!data)
        return die(path, strerror(errno));
    static pkg p;
    if (pkg_open(&p, data, size, NULL) != PKG_OK)
        return die(path, p.message);
    uint8_t *scratch = malloc(p.zip.largest_entry ? (size_t)p.zip.largest_entry : 1);
    if (!scratch || pkg_verify(&p, scratch, p.zip.largest_entry, validate, NULL) != PKG_OK)
        return die(path, scratch ? p.message : "out of memory");
    const manifest *m = &p.manifest;

    /* the entry module, as a file the process table can read */
    char module_path[] = "/tmp/kpio-app-XXXXXX";
    int module = mkstemp(module_path);
    if (module < 0 || zip_extract(&p.zip, &p.module, scratch, p.zip.largest_entry) != ZIP_OK ||
        write(module, scratch, p.module.size) != (ssize_t)p.module.size)
        return die(path, "cannot unpack the entry module");
    unlink(module_path);

    /* its directories, with the rights its permission allows */
    kpio_dir dirs[MANIFEST_PATHS_MAX];
    int ndirs = 0;
    for (unsigned i = 0; m->filesystem != MANIFEST_FS_NONE && i < m->path_count; i++) {
        int fd = open_tree_dir(root, m->paths[i]);
        if (fd < 0)
            return die(m->paths[i], strerror(errno));
        bool ro = m->filesystem == MANIFEST_FS_READ_ONLY;
        dirs[ndirs++] = (kpio_dir){ fd, m->paths[i], ro ? KPIO_RIGHTS_READ_ONLY_DIR : ~0ull,
                                    ro ? KPIO_RIGHTS_READ_ONLY_BELOW : ~0ull };
    }

    kpio_backend kbe;
    wasi_backend wbe;
    kpio_linux_backend(&kbe, net_all);
    wasi_posix_backend(&wbe);
    kpio_system *sys = kpio_system_new(&kbe, &wbe);
    kpio_process *launcher = sys ? kpio_process_attach(sys, NULL, "kpio-app", NULL) : NULL;
    if (!launcher)
        return die(path, "out of memory");

    const char **args = calloc((size_t)argc + 2, sizeof *args);
    args[0] = m->entry;
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    const char *env[] = { "PWD=/", "PATH=/bin" };
    kpio_spawn_params sp = {
        .module = module, .argc = argc + 1, .argv = args, .envc = 2, .env = env,
        .stdio = { 0, 1, 2 }, .stdio_rights = { ~0ull, ~0ull, ~0ull },
        .dirs = dirs, .ndirs = ndirs, .perms = { .network = m->network },
    };
    int32_t pid;
    kpio_proc_status st = { 0, KPIO_EXIT_NORMAL, 1, 0 };
    kpio_errno e = kpio_spawn_child(launcher, &sp, &pid);
    if (e == KPIO_OK)
        kpio_wait_child(launcher, pid, false, &st);
    else
        fprintf(stderr, "kpio-app: %s: cannot start %s (error %u)\n", path, m->entry, e);
    kpio_process_detach(launcher);
    kpio_system_free(sys);
    for (int i = 0; i < ndirs; i++)
        close(dirs[i].handle);
    close(module);
    free(args);
    free(scratch);
    free(data);
    if (e != KPIO_OK)
        return 1;
    return st.reason == KPIO_EXIT_NORMAL ? st.code & 0xFF
           : st.reason == KPIO_EXIT_KILLED ? 128 + 9 : 128 + 6;
}

int main(int argc, char **argv)
{
    const char *root = ".", *net = "loopback";
    int i = 2;
    if (argc < 3 || strcmp(argv[1], "run") != 0) {
        fprintf(stderr, "usage: kpio-app run [--root DIR] [--net loopback|all] PACKAGE [ARGS...]\n");
        return 2;
    }
    for (; i + 1 < argc && argv[i][0] == '-' && argv[i][1] == '-'; i += 2) {
        if (strcmp(argv[i], "--root") == 0)
            root = argv[i + 1];
        else if (strcmp(argv[i], "--net") == 0)
            net = argv[i + 1];
        else
            return die(argv[i], "unknown option");
    }
    if (i >= argc)
        return die("run", "no package given");
    return run(root, strcmp(net, "all") == 0, argv[i], argc - i - 1, argv + i + 1);
}
