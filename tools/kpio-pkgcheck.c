/*
 * tools/kpio-pkgcheck.c — check or unpack a .kpioapp on the host with the
 * same C code the kernel installs packages with (lib/pkg, lib/zip,
 * lib/inflate, lib/manifest).
 *
 *   kpio-pkgcheck check PACKAGE           verify; print the manifest and files
 *   kpio-pkgcheck extract PACKAGE DIR     verify, then write every file under DIR
 *   kpio-pkgcheck manifest FILE           parse a manifest.toml and print it
 *
 * Exit status 0 on success; 1 with "kpio-pkgcheck: WHAT: why" on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/pkg/pkg.h"

#ifdef PKGCHECK_HAVE_RUNTIME
#include "kpio_wasm.h"
#endif

static const char *prog = "kpio-pkgcheck";

static int die(const char *what, const char *why)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, why);
    return 1;
}

/* Read a whole file into memory; NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *bigger = realloc(buf, cap);
            if (!bigger) {
                free(buf);
                fclose(f);
                errno = ENOMEM;
                return NULL;
            }
            buf = bigger;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        errno = EIO;
        return NULL;
    }
    *size = len;
    return buf;
}

/* The full validator when the runtime is linked in, else the sniff. */
static bool validate_module(void *ctx, const uint8_t *wasm, size_t len, char *msg, size_t cap)
{
#ifdef PKGCHECK_HAVE_RUNTIME
    (void)ctx;
    wasm_error err;
    if (wasm_module_validate(wasm, len, &err) == WASM_OK)
        return true;
    snprintf(msg, cap, "%s", err.message);
    return false;
#else
    return pkg_wasm_sniff(ctx, wasm, len, msg, cap);
#endif
}

static void print_manifest(const manifest *m)
{
    printf("id: %s\nname: %s\nversion: %s\nentry: %s\ndescription: %s\n", m->id, m->name,
           m->version, m->entry, m->description);
    printf("filesystem: %s\n", manifest_fs_name(m->filesystem));
    for (unsigned i = 0; i < m->path_count; i++)
        printf("path: %s\n", m->paths[i]);
    printf("network: %s\ngui: %s\n", m->network ? "true" : "false", m->gui ? "true" : "false");
}

static bool print_file(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    (void)ctx;
    printf("file: %s %zu %08x\n", name, len, zip_crc32(0, data, len));
    return true;
}

/* Create every parent directory of path (under an existing root). */
static bool make_parents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = 0;
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST)
            return false;
    }
    return true;
}

struct extract_ctx {
    const char *dir;
};

static bool write_file(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct extract_ctx *x = ctx;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", x->dir, name) >= sizeof path)
        return false;
    if (!make_parents(path))
        return false;
    FILE *f = fopen(path, "wbx");   /* never overwrite */
    if (!f)
        return false;
    bool ok = fwrite(data, 1, len, f) == len;
    return (fclose(f) == 0) && ok;
}

/* Open and verify a package; returns the pkg and a scratch buffer. */
static int load_package(const char *path, uint8_t **data, pkg **p, uint8_t **scratch, size_t *cap)
{
    size_t size;
    *data = read_file(path, &size);
    if (!*data)
        return die(path, strerror(errno));
    *p = malloc(sizeof **p);
    if (!*p)
        return die(path, "out of memory");
    if (pkg_open(*p, *data, size, NULL) != PKG_OK)
        return die(path, (*p)->message);
    *cap = (*p)->zip.largest_entry ? (size_t)(*p)->zip.largest_entry : 1;
    *scratch = malloc(*cap);
    if (!*scratch)
        return die(path, "out of memory");
    if (pkg_verify(*p, *scratch, *cap, validate_module, NULL) != PKG_OK)
        return die(path, (*p)->message);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s check PACKAGE | extract PACKAGE DIR | manifest FILE\n", prog);
        return 2;
    }
    const char *cmd = argv[1], *path = argv[2];

    if (strcmp(cmd, "manifest") == 0) {
        size_t size;
        uint8_t *text = read_file(path, &size);
        if (!text)
            return die(path, strerror(errno));
        manifest m;
        manifest_error err;
        if (!manifest_parse((const char *)text, size, &m, &err))
            return die(path, err.message);
        print_manifest(&m);
        free(text);
        return 0;
    }

    uint8_t *data = NULL, *scratch = NULL;
    pkg *p = NULL;
    size_t cap = 0;
    int rc;
    if (strcmp(cmd, "check") == 0 && argc == 3) {
        rc = load_package(path, &data, &p, &scratch, &cap);
        if (rc == 0) {
            print_manifest(&p->manifest);
            pkg_for_each_file(p, scratch, cap, print_file, NULL);
        }
    } else if (strcmp(cmd, "extract") == 0 && argc == 4) {
        rc = load_package(path, &data, &p, &scratch, &cap);
        struct extract_ctx x = { argv[3] };
        if (rc == 0 && pkg_for_each_file(p, scratch, cap, write_file, &x) != PKG_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s: %s", p->message, strerror(errno));
            rc = die(argv[3], why);
        }
    } else {
        fprintf(stderr, "%s: unknown command or wrong arguments: %s\n", prog, cmd);
        rc = 2;
    }
    free(scratch);
    free(p);
    free(data);
    return rc;
}
