/*
 * app — install, list, run and remove .kpioapp packages.
 *
 *   app [--registry DIR] install PACKAGE.kpioapp
 *   app [--registry DIR] list
 *   app [--registry DIR] run ID [ARG...]
 *   app [--registry DIR] remove ID
 *
 * The registry (default /data/apps, on the data partition) holds one
 * directory per installed app, named by its id, with the package's files
 * as they were in the package (manifest.toml, the entry module, resources).
 *
 * install checks the whole package first with lib/pkg (size limits, zip
 * structure and CRCs, safe names, manifest.toml against its schema, the
 * entry module validated by the runtime through kpio_module_validate),
 * then writes it into DIR/.staging-ID and renames that to DIR/ID only once
 * everything is written: a refused or interrupted install leaves nothing
 * under DIR/ID, and leftovers of an interrupted one are cleared the next
 * time. A new version replaces an installed one the same way.
 *
 * run starts the entry module with exactly the manifest's permissions: its
 * paths preopened (read-only ones with read-only WASI rights), no other
 * directory, sockets only with network = true, and never the system
 * permission (poweroff, reboot). The exit status is the app's (134 after a
 * trap, 137 when stopped).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wasi/api.h>

#include "../../lib/pkg/pkg.h"
#include "app.h"
#include "fileops.h"

#define USAGE "[--registry DIR] install PACKAGE | list | run ID [ARG...] | remove ID"

static const char *registry = "/data/apps";

/* Read-only directory rights (WASI Preview 1): look names up, list, stat,
 * read links, poll; and for what is opened below, also read, seek, tell,
 * advise. Nothing that creates, writes, renames or removes. */
#define RO_DIR_RIGHTS                                                                 \
    (__WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR | \
     __WASI_RIGHTS_PATH_READLINK | __WASI_RIGHTS_PATH_FILESTAT_GET |                  \
     __WASI_RIGHTS_FD_FILESTAT_GET | __WASI_RIGHTS_POLL_FD_READWRITE)
#define RO_BELOW_RIGHTS                                                               \
    (RO_DIR_RIGHTS | __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL | \
     __WASI_RIGHTS_FD_ADVISE)

static char *in_registry(const char *name)
{
    return app_join_path(registry, name);
}

/* An id given on the command line: a manifest's id is lower-case letters,
 * digits, '-' and '.', 3-63 bytes, so one that is not cannot be installed
 * and must not be used as a name in the registry (no '/', no "..", no
 * leading '.'). */
static void check_id(const char *id)
{
    size_t n = strlen(id);
    bool ok = n >= 3 && n <= MANIFEST_ID_MAX && id[0] != '.' && !strstr(id, "..");
    for (size_t i = 0; ok && i < n; i++)
        ok = (id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9') || id[i] == '-' ||
             id[i] == '.';
    if (!ok)
        app_die(1, "%s: not an app id", id);
}

/* Read a whole file (at most max bytes); NULL with errno set. */
static uint8_t *read_all(const char *path, size_t max, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t len = 0, cap = 65536;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
        if (len > max) {
            free(buf);
            fclose(f);
            errno = EFBIG;
            return NULL;
        }
        if (len == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
        errno = EIO;
    }
    fclose(f);
    *size = len;
    return buf;
}

/* mkdir -p */
static bool make_dirs(const char *path)
{
    char *p = app_xstrdup(path);
    bool ok = true;
    for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
        if (s)
            *s = 0;
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            ok = false;
        if (!s || !ok)
            break;
        *s = '/';
    }
    free(p);
    return ok;
}

/* Remove what an interrupted install or remove left in the registry. */
static void clear_leftovers(void)
{
    DIR *d = opendir(registry);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, ".staging-", 9) == 0 || strncmp(e->d_name, ".old-", 5) == 0 ||
            strncmp(e->d_name, ".removing-", 10) == 0) {
            char *path = in_registry(e->d_name);
            fileops_remove(path, true, true);
            free(path);
        }
    }
    closedir(d);
}

/* ---- install ---- */

static bool validate(void *ctx, const uint8_t *wasm, size_t len, char *msg, size_t cap)
{
    (void)ctx;
    return kpio_module_validate(wasm, (uint32_t)len, msg, (uint32_t)cap) == KPIO_OK;
}

struct writer {
    const char *dir;
    char failed[512];
};

static bool write_file(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct writer *w = ctx;
    char *path = app_join_path(w->dir, name);
    char *slash = strrchr(path, '/');
    *slash = 0;
    bool ok = make_dirs(path);
    *slash = '/';
    FILE *f = ok ? fopen(path, "wbx") : NULL;
    ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok)
        snprintf(w->failed, sizeof w->failed, "%s: %s", name, strerror(errno));
    free(path);
    return ok;
}

static int install(const char *file)
{
    size_t size;
    uint8_t *data = read_all(file, 64u << 20, &size);
    if (!data)
        app_die(1, "%s: %s", file, errno == EFBIG ? "package larger than 64 MiB" : strerror(errno));
    static pkg p;
    if (pkg_open(&p, data, size, NULL) != PKG_OK)
        app_die(1, "%s: refused: %s", file, p.message);
    size_t cap = p.zip.largest_entry ? (size_t)p.zip.largest_entry : 1;
    uint8_t *scratch = malloc(cap);
    if (!scratch)
        app_die(1, "%s: out of memory", file);
    if (pkg_verify(&p, scratch, cap, validate, NULL) != PKG_OK)
        app_die(1, "%s: refused: %s", file, p.message);

    const manifest *m = &p.manifest;
    if (!make_dirs(registry))
        app_die(1, "%s: %s", registry, strerror(errno));
    clear_leftovers();
    char name[MANIFEST_ID_MAX + 16];
    snprintf(name, sizeof name, ".staging-%s", m->id);
    char *staging = in_registry(name), *final = in_registry(m->id);
    snprintf(name, sizeof name, ".old-%s", m->id);
    char *old = in_registry(name);
    if (mkdir(staging, 0755) != 0)
        app_die(1, "%s: %s", staging, strerror(errno));
    struct writer w = { staging, "" };
    if (pkg_for_each_file(&p, scratch, cap, write_file, &w) != PKG_OK) {
        fileops_remove(staging, true, true);
        app_die(1, "%s: cannot install: %s", file, w.failed[0] ? w.failed : p.message);
    }
    /* the switch: old version aside, new one in, old one gone */
    bool had = access(final, F_OK) == 0;
    if ((had && rename(final, old) != 0) || rename(staging, final) != 0) {
        int e = errno;
        if (had)
            rename(old, final);
        fileops_remove(staging, true, true);
        app_die(1, "%s: cannot install: %s", file, strerror(e));
    }
    if (had)
        fileops_remove(old, true, true);
    printf("installed %s %s (%s)%s\n", m->id, m->version, m->name, had ? ", replacing the old version" : "");
    free(staging);
    free(final);
    free(old);
    free(scratch);
    free(data);
    return 0;
}

/* ---- list, remove ---- */

/* The manifest of installed app id; false with a message when unreadable. */
static bool load_manifest(const char *id, manifest *m, bool quiet)
{
    char *dir = in_registry(id);
    char *path = app_join_path(dir, PKG_MANIFEST_NAME);
    size_t size;
    uint8_t *text = read_all(path, PKG_MANIFEST_MAX, &size);
    manifest_error err;
    bool ok = text && manifest_parse((const char *)text, size, m, &err);
    if (!ok && !quiet)
        app_warn("%s: %s", id, text ? err.message : strerror(errno));
    else if (ok && strcmp(m->id, id) != 0) {
        if (!quiet)
            app_warn("%s: its manifest says it is %s", id, m->id);
        ok = false;
    }
    free(text);
    free(path);
    free(dir);
    return ok;
}

static int list(void)
{
    DIR *d = opendir(registry);
    if (!d) {
        if (errno == ENOENT)
            return 0;       /* nothing installed yet */
        app_die(1, "%s: %s", registry, strerror(errno));
    }
    struct dirent *e;
    int status = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        manifest m;
        if (!load_manifest(e->d_name, &m, false)) {
            status = 1;
            continue;
        }
        printf("%s %s %s: filesystem=%s", m.id, m.version, m.name, manifest_fs_name(m.filesystem));
        for (unsigned i = 0; i < m.path_count; i++)
            printf("%s%s", i ? "," : " ", m.paths[i]);
        printf(" network=%s\n", m.network ? "yes" : "no");
    }
    closedir(d);
    return status;
}

static int remove_app(const char *id)
{
    check_id(id);
    char *dir = in_registry(id);
    if (access(dir, F_OK) != 0)
        app_die(1, "%s: not installed", id);
    char name[MANIFEST_ID_MAX + 16];
    snprintf(name, sizeof name, ".removing-%s", id);
    char *gone = in_registry(name);
    /* out of sight at once, then deleted (a leftover is cleared next time) */
    if (rename(dir, gone) != 0)
        app_die(1, "%s: %s", dir, strerror(errno));
    if (!fileops_remove(gone, true, true))
        return 1;
    printf("removed %s\n", id);
    free(gone);
    free(dir);
    return 0;
}

/* ---- run ---- */

/* A directory the app gets: opened here, its rights cut to what the
 * manifest's filesystem permission allows. */
static int open_app_dir(const manifest *m, const char *path)
{
    bool rw = m->filesystem == MANIFEST_FS_READ_WRITE;
    if (rw && !make_dirs(path))
        app_die(1, "%s: cannot create %s: %s", m->id, path, strerror(errno));
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        app_die(1, "%s: %s: %s", m->id, path, strerror(errno));
    if (!rw && __wasi_fd_fdstat_set_rights(fd, RO_DIR_RIGHTS, RO_BELOW_RIGHTS) != 0)
        app_die(1, "%s: cannot make %s read-only", m->id, path);
    return fd;
}

static int run(const char *id, int argc, char **argv)
{
    check_id(id);
    manifest m;
    if (!load_manifest(id, &m, false))
        app_die(1, "%s: not installed", id);
    char *dir = in_registry(id);
    char *entry = app_join_path(dir, m.entry);
    int module = open(entry, O_RDONLY);
    if (module < 0)
        app_die(1, "%s: %s: %s", id, entry, strerror(errno));

    kpio_preopen dirs[MANIFEST_PATHS_MAX];
    uint32_t ndirs = 0;
    for (unsigned i = 0; m.filesystem != MANIFEST_FS_NONE && i < m.path_count; i++) {
        int fd = open_app_dir(&m, m.paths[i]);
        dirs[ndirs++] = (kpio_preopen){ (uint32_t)fd, (kpio_ptr)(uintptr_t)m.paths[i],
                                        (uint32_t)strlen(m.paths[i]) };
    }
    /* argv: the entry's name, then the arguments */
    size_t len = strlen(m.entry) + 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *args = app_xmalloc(len), *a = args;
    memcpy(a, m.entry, strlen(m.entry) + 1);
    a += strlen(m.entry) + 1;
    for (int i = 0; i < argc; i++) {
        memcpy(a, argv[i], strlen(argv[i]) + 1);
        a += strlen(argv[i]) + 1;
    }
    char env[MANIFEST_PATH_MAX + 8];
    int envlen = snprintf(env, sizeof env, "PWD=%s", ndirs ? m.paths[0] : "/") + 1;

    kpio_spawn_request rq;
    memset(&rq, 0, sizeof rq);
    rq.module_fd = (uint32_t)module;
    rq.argv = (kpio_ptr)(uintptr_t)args;
    rq.argv_len = (uint32_t)len;
    rq.env = (kpio_ptr)(uintptr_t)env;
    rq.env_len = (uint32_t)envlen;
    rq.stdin_fd = 0;
    rq.stdout_fd = 1;
    rq.stderr_fd = 2;
    rq.preopens = (kpio_ptr)(uintptr_t)dirs;
    rq.preopen_count = ndirs;
    rq.flags = KPIO_SPAWN_NO_SYSTEM | (m.network ? 0 : KPIO_SPAWN_NO_NETWORK);
    kpio_pid pid;
    kpio_errno e = kpio_proc_spawn(&rq, &pid);
    close(module);
    for (uint32_t i = 0; i < ndirs; i++)
        close((int)dirs[i].dir_fd);
    free(args);
    free(entry);
    free(dir);
    if (e != KPIO_OK) {
        if (e != KPIO_ENOEXEC)
            app_warn("%s: cannot start: %s", id, kpio_strerror(e));
        return 126;
    }
    kpio_proc_status st;
    while ((e = kpio_proc_wait(pid, 0, &st)) == KPIO_EINTR)
        ;
    if (e != KPIO_OK)
        app_die(1, "%s: %s", id, kpio_strerror(e));
    return st.reason == KPIO_EXIT_NORMAL ? st.code & 0xff
           : st.reason == KPIO_EXIT_KILLED ? 128 + 9 : 128 + 6;
}

int main(int argc, char **argv)
{
    app_init("app");
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "--registry") == 0) {
        registry = argv[i + 1];
        i += 2;
    }
    if (i >= argc)
        app_usage(2, USAGE);
    const char *cmd = argv[i++];
    int status;
    if (strcmp(cmd, "install") == 0 && i + 1 == argc)
        status = install(argv[i]);
    else if (strcmp(cmd, "list") == 0 && i == argc)
        status = list();
    else if (strcmp(cmd, "run") == 0 && i < argc)
        status = run(argv[i], argc - i - 1, argv + i + 1);
    else if (strcmp(cmd, "remove") == 0 && i + 1 == argc)
        status = remove_app(argv[i]);
    else
        app_usage(2, USAGE);
    return app_finish(status);
}
