/*
 * tests/unit/lib/pkg_test.c — .kpioapp checks (lib/pkg) on packages built
 * in memory: good ones, and each way a package can be bad.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../lib/pkg/pkg.h"
#include "zipbuild.h"

/* (module (func (export "_start"))) */
static const uint8_t hello_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x03, 0x02, 0x01, 0x00,
    0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00,
    0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
};

static const char *good_manifest =
    "id = \"org.kpio.test\"\nname = \"Test\"\nversion = \"1.0.0\"\nentry = \"bin/app.wasm\"\n"
    "[permissions]\nnetwork = true\n";

static pkg *new_pkg(void)
{
    pkg *p = malloc(sizeof *p);
    assert_non_null(p);
    return p;
}

static void build_good(struct zb *z)
{
    zb_init(z);
    zb_add(z, "manifest.toml", good_manifest, strlen(good_manifest), 8);
    zb_add(z, "bin/", "", 0, 0);
    zb_add(z, "bin/app.wasm", hello_wasm, sizeof hello_wasm, 8);
    zb_add(z, "res/greeting.txt", "hello\n", 6, 0);
    zb_finish(z, NULL);
}

struct collected {
    char names[8][64];
    size_t sizes[8];
    int count;
    int fail_at;   /* return false on this file (or -1) */
};

static bool collect(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    (void)data;
    struct collected *c = ctx;
    if (c->count == c->fail_at)
        return false;
    snprintf(c->names[c->count], sizeof c->names[0], "%s", name);
    c->sizes[c->count++] = len;
    return true;
}

static void test_good_package(void **state)
{
    (void)state;
    struct zb z;
    build_good(&z);
    pkg *p = new_pkg();
    assert_int_equal(pkg_open(p, z.buf, z.len, NULL), PKG_OK);
    assert_string_equal(p->manifest.id, "org.kpio.test");
    assert_true(p->manifest.network);
    assert_string_equal(p->module.name, "bin/app.wasm");
    assert_int_equal(p->file_count, 3);

    uint8_t scratch[256];
    assert_int_equal(pkg_verify(p, scratch, sizeof scratch, NULL, NULL), PKG_OK);

    struct collected c = { .fail_at = -1 };
    assert_int_equal(pkg_for_each_file(p, scratch, sizeof scratch, collect, &c), PKG_OK);
    assert_int_equal(c.count, 3);
    assert_string_equal(c.names[0], "manifest.toml");
    assert_string_equal(c.names[1], "bin/app.wasm");
    assert_int_equal(c.sizes[1], sizeof hello_wasm);
    assert_string_equal(c.names[2], "res/greeting.txt");

    /* a callback that fails stops the walk with a clear error */
    struct collected stop = { .fail_at = 1 };
    assert_int_equal(pkg_for_each_file(p, scratch, sizeof scratch, collect, &stop), PKG_ERR_CALLBACK);
    assert_non_null(strstr(p->message, "bin/app.wasm"));

    /* scratch smaller than the largest file */
    assert_int_equal(pkg_verify(p, scratch, 10, NULL, NULL), PKG_ERR_BUFFER);
    free(p);
    zb_free(&z);
}

/* Build a package from (name, data) pairs and check pkg_open + pkg_verify
 * give `want` with `message` in the text. */
struct file {
    const char *name;
    const void *data;
    size_t len;
};

static void expect_package(const struct file *files, int n, pkg_result want, const char *message)
{
    struct zb z;
    zb_init(&z);
    for (int i = 0; i < n; i++)
        zb_add(&z, files[i].name, files[i].data, files[i].len, i % 2 ? 0 : 8);
    zb_finish(&z, NULL);
    pkg *p = new_pkg();
    pkg_result r = pkg_open(p, z.buf, z.len, NULL);
    if (r == PKG_OK) {
        static uint8_t scratch[1 << 16];
        r = pkg_verify(p, scratch, sizeof scratch, NULL, NULL);
    }
    if (r != want || !strstr(p->message, message))
        fail_msg("got %d (%s), want %d with \"%s\"", r, p->message, want, message);
    free(p);
    zb_free(&z);
}

#define M(text) { "manifest.toml", text, sizeof text - 1 }
#define MANIFEST_FOR(entry) \
    "id = \"a.b\"\nname = \"n\"\nversion = \"1.0.0\"\nentry = \"" entry "\"\n"
#define WASM(name) { name, hello_wasm, sizeof hello_wasm }

static void test_bad_layouts(void **state)
{
    (void)state;
    {
        struct file f[] = { WASM("app.wasm") };
        expect_package(f, 1, PKG_ERR_LAYOUT, "no manifest.toml");
    }
    {
        struct file f[] = { M(MANIFEST_FOR("app.wasm")), WASM("other.wasm") };
        expect_package(f, 2, PKG_ERR_LAYOUT, "entry module \"app.wasm\" named in manifest.toml is not");
    }
    {
        struct file f[] = { { "sub/manifest.toml", MANIFEST_FOR("app.wasm"), 10 }, WASM("app.wasm") };
        expect_package(f, 2, PKG_ERR_LAYOUT, "no manifest.toml");
    }
    static const char *unsafe[] = { "../evil", "/etc/passwd", "a//b", "a/../../b", "a\\b", "./x",
                                    "c:/x", "x/./y" };
    for (size_t i = 0; i < sizeof unsafe / sizeof *unsafe; i++) {
        struct file f[] = { M(MANIFEST_FOR("app.wasm")), WASM("app.wasm"), { unsafe[i], "x", 1 } };
        expect_package(f, 3, PKG_ERR_LAYOUT, "unsafe file name");
    }
    {
        struct file f[] = { M(MANIFEST_FOR("app.wasm")), WASM("app.wasm"), WASM("app.wasm") };
        expect_package(f, 3, PKG_ERR_LAYOUT, "name appears twice in package: \"app.wasm\"");
    }
    {
        struct file f[] = { M(MANIFEST_FOR("app.wasm")), WASM("app.wasm"), { "d/", "", 0 },
                            { "d", "x", 1 } };
        expect_package(f, 4, PKG_ERR_LAYOUT, "appears twice");
    }
    {
        struct file f[] = { M(MANIFEST_FOR("app.wasm")), WASM("app.wasm"), { "f", "x", 1 },
                            { "f/g", "y", 1 } };
        expect_package(f, 4, PKG_ERR_LAYOUT, "\"f\" is a file but other entries lie inside it");
    }
    {
        struct file f[] = { M(MANIFEST_FOR("app.wasm")), WASM("app.wasm"), { "dir/", "data", 4 } };
        expect_package(f, 3, PKG_ERR_LAYOUT, "directory entry with data");
    }
    {
        /* the entry names a directory */
        struct file f[] = { M(MANIFEST_FOR("d.wasm")), { "d.wasm/", "", 0 }, WASM("d.wasm/x") };
        expect_package(f, 3, PKG_ERR_LAYOUT, "entry module \"d.wasm\"");
    }
}

static void test_bad_manifests(void **state)
{
    (void)state;
    {
        struct file f[] = { M("id = \"a.b\"\nname = \"n\"\nversion = \"1.0\"\nentry = \"app.wasm\"\n"),
                            WASM("app.wasm") };
        expect_package(f, 2, PKG_ERR_MANIFEST, "manifest.toml: line 3, column 11: version must");
    }
    {
        struct file f[] = { M("id = \"a.b\"\n[permissions]\nnetwork = maybe\n"), WASM("app.wasm") };
        expect_package(f, 2, PKG_ERR_MANIFEST, "manifest.toml: line 3, column 11: expected a value");
    }
    {
        struct file f[] = { M("\xff\xfe"), WASM("app.wasm") };
        expect_package(f, 2, PKG_ERR_MANIFEST, "invalid UTF-8");
    }
    {
        static char big[PKG_MANIFEST_MAX + 2];
        memset(big, '#', sizeof big - 1);
        struct file f[] = { { "manifest.toml", big, sizeof big - 1 }, WASM("app.wasm") };
        expect_package(f, 2, PKG_ERR_MANIFEST, "larger than 16 KiB");
    }
}

static void test_bad_modules(void **state)
{
    (void)state;
    uint8_t bad[sizeof hello_wasm];
    struct {
        size_t offset;
        uint8_t value;
        const char *message;
    } cases[] = {
        { 0, 0x01, "no \\0asm magic number at byte offset 0" },
        { 4, 0x02, "unknown binary version at byte offset 4" },
        { 8, 0x0d, "unknown section id at byte offset 8" },
        { 14, 0x01, "section out of order or repeated at byte offset 14" },
        { 9, 0x30, "section runs past the end of the module at byte offset 8" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memcpy(bad, hello_wasm, sizeof bad);
        bad[cases[i].offset] = cases[i].value;
        struct file f[] = { M(MANIFEST_FOR("app.wasm")), { "app.wasm", bad, sizeof bad } };
        expect_package(f, 2, PKG_ERR_MODULE, cases[i].message);
    }
    static const uint8_t unterminated[] = { 0, 'a', 's', 'm', 1, 0, 0, 0, 1, 0x80, 0x80 };
    struct file leb[] = { M(MANIFEST_FOR("app.wasm")), { "app.wasm", unterminated, sizeof unterminated } };
    expect_package(leb, 2, PKG_ERR_MODULE, "malformed section size at byte offset 8");
    struct file empty[] = { M(MANIFEST_FOR("app.wasm")), { "app.wasm", "", 0 } };
    expect_package(empty, 2, PKG_ERR_MODULE, "not a valid WebAssembly module");
    struct file text[] = { M(MANIFEST_FOR("app.wasm")), { "app.wasm", "(module)", 8 } };
    expect_package(text, 2, PKG_ERR_MODULE, "magic");
}

/* A validator passed by the caller replaces the sniff. */
static bool reject_all(void *ctx, const uint8_t *wasm, size_t len, char *msg, size_t cap)
{
    (void)wasm;
    *(size_t *)ctx = len;
    snprintf(msg, cap, "type mismatch in function 0");
    return false;
}

static void test_custom_validator(void **state)
{
    (void)state;
    struct zb z;
    build_good(&z);
    pkg *p = new_pkg();
    assert_int_equal(pkg_open(p, z.buf, z.len, NULL), PKG_OK);
    uint8_t scratch[256];
    size_t seen = 0;
    assert_int_equal(pkg_verify(p, scratch, sizeof scratch, reject_all, &seen), PKG_ERR_MODULE);
    assert_int_equal(seen, sizeof hello_wasm);
    assert_string_equal(p->message, "entry module \"bin/app.wasm\" is not a valid WebAssembly "
                                    "module: type mismatch in function 0");
    free(p);
    zb_free(&z);
}

static void test_corrupt_and_oversized(void **state)
{
    (void)state;
    struct zb z;
    build_good(&z);
    pkg *p = new_pkg();
    uint8_t scratch[256];

    /* data corruption shows at verify, naming the file */
    z.buf[z.entry[3].data_offset] ^= 1;
    assert_int_equal(pkg_open(p, z.buf, z.len, NULL), PKG_OK);
    assert_int_equal(pkg_verify(p, scratch, sizeof scratch, NULL, NULL), PKG_ERR_ZIP);
    assert_non_null(strstr(p->message, "res/greeting.txt"));
    assert_non_null(strstr(p->message, "CRC"));
    z.buf[z.entry[3].data_offset] ^= 1;

    /* a damaged manifest shows at open */
    z.buf[z.entry[0].data_offset + 3] ^= 0xFF;
    assert_int_equal(pkg_open(p, z.buf, z.len, NULL), PKG_ERR_ZIP);
    z.buf[z.entry[0].data_offset + 3] ^= 0xFF;

    /* limits: package bytes, files, entries */
    pkg_limits small = { .max_package_size = z.len - 1 };
    assert_int_equal(pkg_open(p, z.buf, z.len, &small), PKG_ERR_TOO_LARGE);
    assert_non_null(strstr(p->message, "over the limit"));
    pkg_limits files = { .zip = { .max_entry_size = sizeof hello_wasm - 1 } };
    assert_int_equal(pkg_open(p, z.buf, z.len, &files), PKG_ERR_TOO_LARGE);
    assert_non_null(strstr(p->message, "manifest.toml): larger than the size limit"));
    pkg_limits entries = { .zip = { .max_entries = 3 } };
    assert_int_equal(pkg_open(p, z.buf, z.len, &entries), PKG_ERR_TOO_LARGE);

    /* not a zip at all */
    assert_int_equal(pkg_open(p, (const uint8_t *)"hello", 5, NULL), PKG_ERR_ZIP);
    assert_non_null(strstr(p->message, "not a zip archive"));
    free(p);
    zb_free(&z);
}

static void test_strerror(void **state)
{
    (void)state;
    for (int r = PKG_OK; r <= PKG_ERR_CALLBACK; r++)
        assert_true(strlen(pkg_strerror((pkg_result)r)) > 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_package),
        cmocka_unit_test(test_bad_layouts),
        cmocka_unit_test(test_bad_manifests),
        cmocka_unit_test(test_bad_modules),
        cmocka_unit_test(test_custom_validator),
        cmocka_unit_test(test_corrupt_and_oversized),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests_name("pkg", tests, NULL, NULL);
}
