/*
 * lib/pkg/pkg.c — .kpioapp package checks: the zip, its names, the
 * manifest, the entry module; then a walk over every file.
 */
#include "pkg.h"

#include "../common/msg.h"

#define DEFAULT_MAX_PACKAGE   (64ull << 20)
#define DEFAULT_MAX_ENTRIES   1024u
#define DEFAULT_MAX_FILE      (32ull << 20)
#define DEFAULT_MAX_TOTAL     (128ull << 20)

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static bool is_directory(const zip_entry *e)
{
    size_t n = length(e->name);
    return n > 0 && e->name[n - 1] == '/';
}

/* Length of the name without a directory's trailing slash. */
static size_t name_length(const zip_entry *e)
{
    size_t n = length(e->name);
    return is_directory(e) ? n - 1 : n;
}

static pkg_result fail(pkg *p, pkg_result r, const char *a, const char *b, const char *c)
{
    struct msg m = msg_init(p->message, sizeof p->message);
    msg_str(&m, a);
    if (b)
        msg_strn(&m, b, 100);
    if (c)
        msg_str(&m, c);
    return r;
}

/* Check one entry's name: a safe relative path; a directory has no data. */
static pkg_result check_name(pkg *p, const zip_entry *e)
{
    char name[ZIP_NAME_MAX + 1];
    size_t n = name_length(e);
    __builtin_memcpy(name, e->name, n);
    name[n] = 0;
    if (!manifest_relative_path_ok(name))
        return fail(p, PKG_ERR_LAYOUT, "unsafe file name in package: \"", e->name,
                    "\" (absolute, empty component, '.', '..', '\\' or control character)");
    if (is_directory(e) && e->size != 0)
        return fail(p, PKG_ERR_LAYOUT, "directory entry with data: ", e->name, 0);
    return PKG_OK;
}

/* Compare the names of a and b as paths: 0 if the same path, 1 if a file
 * (a) would have to be a directory because b lies inside it, else -1. */
static int name_conflict(const zip_entry *a, const zip_entry *b)
{
    size_t na = name_length(a), nb = name_length(b);
    if (na == nb && __builtin_memcmp(a->name, b->name, na) == 0)
        return 0;
    if (!is_directory(a) && nb > na && b->name[na] == '/' &&
        __builtin_memcmp(a->name, b->name, na) == 0)
        return 1;
    return -1;
}

/* No two entries may name the same path, and no file may be the parent of
 * another entry. Quadratic, with at most max_entries (default 1024). */
static pkg_result check_unique(pkg *p)
{
    zip_entry a, b;
    for (zip_iter_begin(&p->zip, &a); zip_iter_next(&p->zip, &a);) {
        for (zip_iter_begin(&p->zip, &b); zip_iter_next(&p->zip, &b);) {
            if (b.index == a.index)
                continue;
            int c = name_conflict(&a, &b);
            if (c == 0 && b.index > a.index)
                return fail(p, PKG_ERR_LAYOUT, "name appears twice in package: \"", a.name, "\"");
            if (c == 1)
                return fail(p, PKG_ERR_LAYOUT, "\"", a.name, "\" is a file but other entries lie inside it");
        }
    }
    return PKG_OK;
}

static pkg_result read_manifest(pkg *p)
{
    zip_entry e;
    if (zip_find(&p->zip, PKG_MANIFEST_NAME, &e) != ZIP_OK)
        return fail(p, PKG_ERR_LAYOUT, "package has no manifest.toml at its top level", 0, 0);
    if (e.size > PKG_MANIFEST_MAX)
        return fail(p, PKG_ERR_MANIFEST, "manifest.toml is larger than 16 KiB", 0, 0);
    zip_result zr = zip_extract(&p->zip, &e, (uint8_t *)p->manifest_text, sizeof p->manifest_text);
    if (zr != ZIP_OK)
        return fail(p, PKG_ERR_ZIP, "corrupt package: ", p->zip.message, 0);

    manifest_error err;
    if (!manifest_parse(p->manifest_text, e.size, &p->manifest, &err))
        return fail(p, PKG_ERR_MANIFEST, "manifest.toml: ", err.message, 0);
    return PKG_OK;
}

pkg_result pkg_open(pkg *p, const uint8_t *data, size_t size, const pkg_limits *limits)
{
    pkg_limits lim = { 0 };
    if (limits)
        lim = *limits;
    if (!lim.max_package_size)
        lim.max_package_size = DEFAULT_MAX_PACKAGE;
    if (!lim.zip.max_entries)
        lim.zip.max_entries = DEFAULT_MAX_ENTRIES;
    if (!lim.zip.max_entry_size)
        lim.zip.max_entry_size = DEFAULT_MAX_FILE;
    if (!lim.zip.max_total_size)
        lim.zip.max_total_size = DEFAULT_MAX_TOTAL;

    p->message[0] = 0;
    p->file_count = 0;
    if (size > lim.max_package_size) {
        struct msg m = msg_init(p->message, sizeof p->message);
        msg_str(&m, "package is ");
        msg_uint(&m, size);
        msg_str(&m, " bytes, over the limit of ");
        msg_uint(&m, lim.max_package_size);
        return PKG_ERR_TOO_LARGE;
    }

    zip_result zr = zip_open(&p->zip, data, size, &lim.zip);
    if (zr != ZIP_OK) {
        pkg_result r = zr == ZIP_ERR_LIMIT ? PKG_ERR_TOO_LARGE : PKG_ERR_ZIP;
        return fail(p, r, zr == ZIP_ERR_NOT_ZIP ? "" : "corrupt or unsupported package: ",
                    p->zip.message, 0);
    }

    zip_entry e;
    for (zip_iter_begin(&p->zip, &e); zip_iter_next(&p->zip, &e);) {
        pkg_result r = check_name(p, &e);
        if (r != PKG_OK)
            return r;
        if (!is_directory(&e))
            p->file_count++;
    }
    pkg_result r = check_unique(p);
    if (r == PKG_OK)
        r = read_manifest(p);
    if (r != PKG_OK)
        return r;

    if (zip_find(&p->zip, p->manifest.entry, &p->module) != ZIP_OK)
        return fail(p, PKG_ERR_LAYOUT, "entry module \"", p->manifest.entry,
                    "\" named in manifest.toml is not in the package");
    return PKG_OK;
}

/* Extract every file into scratch, check it, optionally validate the entry
 * module and hand each file to cb. */
static pkg_result walk(pkg *p, uint8_t *scratch, size_t cap, pkg_module_validator validate,
                       void *vctx, pkg_file_callback cb, void *ctx)
{
    if (cap < p->zip.largest_entry)
        return fail(p, PKG_ERR_BUFFER, "scratch buffer smaller than the largest file", 0, 0);

    zip_entry e;
    for (zip_iter_begin(&p->zip, &e); zip_iter_next(&p->zip, &e);) {
        if (is_directory(&e))
            continue;
        if (zip_extract(&p->zip, &e, scratch, cap) != ZIP_OK)
            return fail(p, PKG_ERR_ZIP, "corrupt package: ", p->zip.message, 0);
        if (validate && e.index == p->module.index) {
            char why[160];
            why[0] = 0;
            if (!validate(vctx, scratch, e.size, why, sizeof why)) {
                struct msg m = msg_init(p->message, sizeof p->message);
                msg_str(&m, "entry module \"");
                msg_strn(&m, e.name, 100);
                msg_str(&m, "\" is not a valid WebAssembly module: ");
                msg_str(&m, why);
                return PKG_ERR_MODULE;
            }
        }
        if (cb && !cb(ctx, e.name, scratch, e.size))
            return fail(p, PKG_ERR_CALLBACK, "could not store \"", e.name, "\"");
    }
    return PKG_OK;
}

pkg_result pkg_verify(pkg *p, uint8_t *scratch, size_t scratch_cap,
                      pkg_module_validator validate, void *validate_ctx)
{
    if (!validate)
        validate = pkg_wasm_sniff;
    return walk(p, scratch, scratch_cap, validate, validate_ctx, 0, 0);
}

pkg_result pkg_for_each_file(pkg *p, uint8_t *scratch, size_t scratch_cap,
                             pkg_file_callback cb, void *ctx)
{
    return walk(p, scratch, scratch_cap, 0, 0, cb, ctx);
}

const char *pkg_strerror(pkg_result r)
{
    switch (r) {
    case PKG_OK:            return "ok";
    case PKG_ERR_TOO_LARGE: return "package too large";
    case PKG_ERR_ZIP:       return "corrupt package archive";
    case PKG_ERR_LAYOUT:    return "bad package layout";
    case PKG_ERR_MANIFEST:  return "bad manifest";
    case PKG_ERR_MODULE:    return "invalid WebAssembly module";
    case PKG_ERR_BUFFER:    return "buffer too small";
    case PKG_ERR_CALLBACK:  return "could not store a file";
    }
    return "unknown package error";
}
