/*
 * tests/unit/lib/manifest_test.c — the TOML subset reader (against TOML
 * 1.0's rules) and the .kpioapp manifest schema on top of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../lib/manifest/manifest.h"
#include "../../../lib/manifest/toml.h"

/* ---- the TOML reader on its own: events rendered as text ---- */

struct recorder {
    char out[2048];
    size_t len;
};

static bool record(void *ctx, const toml_event *ev, toml_error *err)
{
    (void)err;
    struct recorder *r = ctx;
    char line[1200];
    const char *where = ev->in_array ? "[]" : "";
    switch (ev->type) {
    case TOML_TABLE:
        snprintf(line, sizeof line, "table %s\n", ev->key);
        break;
    case TOML_STRING:
        snprintf(line, sizeof line, "%s.%s%s = str(%zu) %s\n", ev->table, ev->key, where,
                 ev->string_len, ev->string);
        break;
    case TOML_BOOL:
        snprintf(line, sizeof line, "%s.%s%s = bool %d\n", ev->table, ev->key, where, ev->boolean);
        break;
    case TOML_INTEGER:
        snprintf(line, sizeof line, "%s.%s%s = int %lld\n", ev->table, ev->key, where,
                 (long long)ev->integer);
        break;
    case TOML_ARRAY:
        snprintf(line, sizeof line, "%s.%s = array\n", ev->table, ev->key);
        break;
    }
    size_t n = strlen(line);
    assert_true(r->len + n < sizeof r->out);
    memcpy(r->out + r->len, line, n + 1);
    r->len += n;
    return true;
}

static const char *parse_events(const char *text)
{
    static struct recorder r;
    toml_error err;
    r.len = 0;
    r.out[0] = 0;
    if (!toml_parse(text, strlen(text), record, &r, &err))
        fail_msg("unexpected error at %d:%d: %s\n--- input:\n%s", err.line, err.column,
                 err.message, text);
    return r.out;
}

static void test_toml_values(void **state)
{
    (void)state;
    assert_string_equal(parse_events(
        "# comment\n"
        "a = \"x\\ty\\\"z\\\\ \\u00e9\\U0001F600\"  # trailing\n"
        "'quoted key' = 'lit\\eral'\n"
        "\"k\" = true\n"
        "n1 = -42\n"
        "n2 = +1_000\n"
        "n3 = 0\n"
        "n4 = -9223372036854775808\n"
        "e = \"\"\n"
        "\n"
        "[ tbl ]\n"
        "arr = [ \"a\", 'b',\n"
        "  # comment inside\n"
        "  \"c\", ]\n"
        "empty = []\n"
        "ints = [1,2]\r\n"
        "f = false"),
        ".a = str(13) x\ty\"z\\ \xc3\xa9\xf0\x9f\x98\x80\n"
        ".quoted key = str(8) lit\\eral\n"
        ".k = bool 1\n"
        ".n1 = int -42\n"
        ".n2 = int 1000\n"
        ".n3 = int 0\n"
        ".n4 = int -9223372036854775808\n"
        ".e = str(0) \n"
        "table tbl\n"
        "tbl.arr = array\n"
        "tbl.arr[] = str(1) a\n"
        "tbl.arr[] = str(1) b\n"
        "tbl.arr[] = str(1) c\n"
        "tbl.empty = array\n"
        "tbl.ints = array\n"
        "tbl.ints[] = int 1\n"
        "tbl.ints[] = int 2\n"
        "tbl.f = bool 0\n");
    assert_string_equal(parse_events(""), "");
    assert_string_equal(parse_events("\n\n# only comments\r\n"), "");
}

/* Each invalid document fails at the given line and column with a message
 * containing `want`. */
static void expect_toml_error(const char *text, int line, int column, const char *want)
{
    struct recorder r = { .len = 0 };
    toml_error err;
    if (toml_parse(text, strlen(text), record, &r, &err))
        fail_msg("accepted invalid TOML:\n%s", text);
    if (err.line != line || err.column != column || !strstr(err.message, want))
        fail_msg("for %s\ngot %d:%d %s\nwant %d:%d %s", text, err.line, err.column, err.message,
                 line, column, want);
}

static void test_toml_errors(void **state)
{
    (void)state;
    expect_toml_error("a = 1\nb = \"unterminated\n", 2, 18, "unterminated string");
    expect_toml_error("a = \"\"\"multi\"\"\"", 1, 5, "multi-line strings are not supported");
    expect_toml_error("a.b = 1", 1, 2, "dotted keys are not supported");
    expect_toml_error("a = {x = 1}", 1, 5, "inline tables");
    expect_toml_error("a = [[1]]", 1, 6, "nested arrays");
    expect_toml_error("a = 1.5", 1, 6, "floating-point");
    expect_toml_error("a = inf", 1, 5, "floating-point");
    expect_toml_error("a = 1979-05-27", 1, 9, "dates");
    expect_toml_error("a = 0x1F", 1, 5, "hexadecimal");
    expect_toml_error("a = 012", 1, 5, "leading zeros");
    expect_toml_error("a = 1__0", 1, 6, "invalid character");
    expect_toml_error("a = 9223372036854775808", 1, 23, "out of range");
    expect_toml_error("a = tru", 1, 5, "expected a value");
    expect_toml_error("a = truex", 1, 5, "expected a value");
    expect_toml_error("a =", 1, 4, "expected a value");
    expect_toml_error("a = # no value", 1, 5, "expected a value");
    expect_toml_error("a 1", 1, 3, "expected '='");
    expect_toml_error("= 1", 1, 1, "expected a key");
    expect_toml_error("a = 1 b = 2", 1, 7, "end of the line");
    expect_toml_error("a = \"\\x\"", 1, 7, "invalid escape");
    expect_toml_error("a = \"\\uD800\"", 1, 6, "not a scalar value");
    expect_toml_error("a = \"\\u12G4\"", 1, 10, "bad hex digit");
    expect_toml_error("a = \"tab\tok\x01no\"", 1, 12, "control character");
    expect_toml_error("# bad \x7f comment", 1, 7, "control character in comment");
    expect_toml_error("a = [1, \"x\"]", 1, 12, "different types");
    expect_toml_error("a = [1 2]", 1, 8, "expected ','");
    expect_toml_error("a = [1,", 1, 8, "expected a value");
    expect_toml_error("[[tables]]", 1, 2, "arrays of tables");
    expect_toml_error("[t", 1, 3, "expected ']'");
    expect_toml_error("[t] x", 1, 5, "end of the line");
    expect_toml_error("a = 1\rb = 2", 1, 6, "end of the line");
    expect_toml_error("a = \"caf\xc3\"", 1, 9, "invalid UTF-8");
    expect_toml_error("a = 1\n# \xe0\x80\x80 overlong", 2, 3, "invalid UTF-8");
    expect_toml_error("a = \"\xed\xa0\x80\"", 1, 6, "invalid UTF-8");   /* surrogate */
}

/* ---- manifests ---- */

static const char *full =
    "# A full manifest\n"
    "id = \"org.kpio.hello\"\n"
    "name = \"Hello World\"\n"
    "version = \"1.2.3-beta.1\"\n"
    "entry = \"bin/hello.wasm\"\n"
    "description = \"Says hello \\u2014 politely\"\n"
    "\n"
    "[permissions]\n"
    "filesystem = \"read-write\"\n"
    "paths = [\"/data/hello\", \"/tmp\"]\n"
    "network = true\n"
    "gui = false\n";

static void test_manifest_full(void **state)
{
    (void)state;
    manifest m;
    manifest_error err;
    assert_true(manifest_parse(full, strlen(full), &m, &err));
    assert_string_equal(m.id, "org.kpio.hello");
    assert_string_equal(m.name, "Hello World");
    assert_string_equal(m.version, "1.2.3-beta.1");
    assert_string_equal(m.entry, "bin/hello.wasm");
    assert_string_equal(m.description, "Says hello \xe2\x80\x94 politely");
    assert_int_equal(m.filesystem, MANIFEST_FS_READ_WRITE);
    assert_string_equal(manifest_fs_name(m.filesystem), "read-write");
    assert_int_equal(m.path_count, 2);
    assert_string_equal(m.paths[0], "/data/hello");
    assert_string_equal(m.paths[1], "/tmp");
    assert_true(m.network);
    assert_false(m.gui);
}

static void test_manifest_minimal(void **state)
{
    (void)state;
    const char *text = "id='a.b'\nname='x'\nversion='0.0.0'\nentry='a.wasm'\n";
    manifest m;
    manifest_error err;
    assert_true(manifest_parse(text, strlen(text), &m, &err));
    assert_int_equal(m.filesystem, MANIFEST_FS_NONE);
    assert_int_equal(m.path_count, 0);
    assert_false(m.network);
    assert_false(m.gui);
    assert_string_equal(m.description, "");
}

/* Replace the line starting with `key` in `full` (or append `line`). */
static const char *with_line(const char *key, const char *line)
{
    static char buf[2048];
    buf[0] = 0;
    const char *p = full;
    bool replaced = false;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (!replaced && key && strncmp(p, key, strlen(key)) == 0 && p[strlen(key)] == ' ') {
            strcat(buf, line);
            strcat(buf, "\n");
            replaced = true;
        } else {
            strncat(buf, p, n);
        }
        p += n;
    }
    if (!replaced) {
        strcat(buf, line);
        strcat(buf, "\n");
    }
    return buf;
}

static void expect_manifest_error(const char *text, const char *want)
{
    manifest m;
    manifest_error err;
    if (manifest_parse(text, strlen(text), &m, &err))
        fail_msg("accepted bad manifest:\n%s", text);
    if (!strstr(err.message, want))
        fail_msg("for\n%s\ngot: %s\nwant: %s", text, err.message, want);
}

static void test_manifest_errors(void **state)
{
    (void)state;
    /* ids */
    expect_manifest_error(with_line("id", "id = \"Org.Kpio\""), "line 2, column 6: id must be");
    expect_manifest_error(with_line("id", "id = \"hello\""), "id must be");
    expect_manifest_error(with_line("id", "id = \"a..b\""), "id must be");
    expect_manifest_error(with_line("id", "id = \"a.-b\""), "id must be");
    expect_manifest_error(with_line("id", "id = \"a.b-\""), "id must be");
    expect_manifest_error(with_line("id", "id = \"a.b_c\""), "id must be");
    expect_manifest_error(with_line("id", "id = 5"), "'id' must be a string, not an integer");
    /* names, versions, descriptions */
    expect_manifest_error(with_line("name", "name = \"\""), "name must be");
    expect_manifest_error(with_line("name", "name = \" x\""), "name must be");
    expect_manifest_error(with_line("name", "name = \"a\\nb\""), "name must be");
    expect_manifest_error(with_line("version", "version = \"1.0\""), "version must");
    expect_manifest_error(with_line("version", "version = \"01.0.0\""), "version must");
    expect_manifest_error(with_line("version", "version = \"1.0.0-\""), "version must");
    expect_manifest_error(with_line("version", "version = \"1.0.0+build\""), "version must");
    expect_manifest_error(with_line("version", "version = 1"), "must be a string");
    expect_manifest_error(with_line("description", "description = \"tab\\there\""), "description");
    /* entry */
    expect_manifest_error(with_line("entry", "entry = \"../x.wasm\""), "entry must be");
    expect_manifest_error(with_line("entry", "entry = \"/x.wasm\""), "entry must be");
    expect_manifest_error(with_line("entry", "entry = \"x.was\""), "entry must be");
    expect_manifest_error(with_line("entry", "entry = \".wasm\""), "entry must be");
    expect_manifest_error(with_line("entry", "entry = \"a//x.wasm\""), "entry must be");
    expect_manifest_error(with_line("entry", "entry = \"a\\\\x.wasm\""), "entry must be");
    expect_manifest_error(with_line("entry", "entry = \"c:x.wasm\""), "entry must be");
    expect_manifest_error(with_line("entry", "entry = \"a\\u0000.wasm\""), "NUL");
    /* permissions */
    expect_manifest_error(with_line("filesystem", "filesystem = \"rw\""), "filesystem must be");
    expect_manifest_error(with_line("filesystem", "filesystem = \"none\""), "paths' given but");
    expect_manifest_error(with_line("paths", "paths = []"), "non-empty 'paths'");
    expect_manifest_error(with_line("paths", "paths = [\"data\"]"), "paths must be absolute");
    expect_manifest_error(with_line("paths", "paths = [\"/a/../b\"]"), "paths must be absolute");
    expect_manifest_error(with_line("paths", "paths = [\"/a/\"]"), "paths must be absolute");
    expect_manifest_error(with_line("paths", "paths = [\"/a//b\"]"), "paths must be absolute");
    expect_manifest_error(with_line("paths", "paths = [\"/a\", \"/a\"]"), "listed twice");
    expect_manifest_error(with_line("paths", "paths = [1]"), "elements of 'paths' must be strings");
    expect_manifest_error(with_line("paths", "paths = \"/a\""), "must be an array of strings");
    expect_manifest_error(
        with_line("paths", "paths = [\"/1\",\"/2\",\"/3\",\"/4\",\"/5\",\"/6\",\"/7\",\"/8\",\"/9\"]"),
        "too many paths");
    expect_manifest_error(with_line("network", "network = \"yes\""), "'network' must be true or false");
    expect_manifest_error(with_line("gui", "gui = 1"), "'gui' must be true or false, not an integer");
    /* schema */
    expect_manifest_error(with_line(NULL, "colour = \"red\""), "unknown key 'colour' in [permissions]");
    expect_manifest_error(with_line("name", "nmae = \"x\""), "unknown key 'nmae'");
    expect_manifest_error(with_line(NULL, "[extras]"), "unknown table [extras]");
    expect_manifest_error(with_line(NULL, "[permissions]"), "defined twice");
    expect_manifest_error(with_line(NULL, "gui = true"), "key 'gui' defined twice");
    expect_manifest_error(with_line("entry", "# no entry"), "missing required key 'entry'");
    expect_manifest_error("", "missing required key 'id'");
    /* top-level keys after [permissions] belong to it */
    expect_manifest_error(with_line(NULL, "id = \"a.b\""), "unknown key 'id' in [permissions]");
    /* syntax errors carry their position */
    expect_manifest_error(with_line("name", "name = \"Hello"), "line 3, column 14: unterminated string");
}

static void test_relative_paths(void **state)
{
    (void)state;
    static const char *good[] = { "a", "a/b", "a.b/c.wasm", "..a", "a..", "x/.y", "\xc3\xa9" };
    static const char *bad[] = { "", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "a\\b",
                                 "c:b", "a\x01", "./a" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        assert_true(manifest_relative_path_ok(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (manifest_relative_path_ok(bad[i]))
            fail_msg("accepted \"%s\"", bad[i]);
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[256] = 0;
    assert_false(manifest_relative_path_ok(long_name));
    long_name[255] = 0;
    assert_true(manifest_relative_path_ok(long_name));
}

/* Random mutations of a valid manifest: never a crash; when accepted, the
 * result still obeys the rules. */
static void test_mutations(void **state)
{
    (void)state;
    size_t len = strlen(full);
    char *buf = malloc(len);
    uint32_t seed = 7;
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, full, len);
        for (int k = 0; k < 2; k++) {
            seed = seed * 1664525 + 1013904223;
            buf[(seed >> 8) % len] = (char)(seed >> 24);
        }
        manifest m;
        manifest_error err;
        if (manifest_parse(buf, len, &m, &err)) {
            assert_true(manifest_relative_path_ok(m.entry));
            assert_true(strlen(m.id) >= 3);
        } else {
            assert_true(strlen(err.message) > 0);
        }
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toml_values),
        cmocka_unit_test(test_toml_errors),
        cmocka_unit_test(test_manifest_full),
        cmocka_unit_test(test_manifest_minimal),
        cmocka_unit_test(test_manifest_errors),
        cmocka_unit_test(test_relative_paths),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests_name("manifest", tests, NULL, NULL);
}
