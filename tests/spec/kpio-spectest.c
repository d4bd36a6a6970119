/*
 * tests/spec/kpio-spectest.c — runs WebAssembly spec tests (.wast) against
 * the runtime through its public API.
 *
 *   kpio-spectest [--engine=interp|jit|jit-baseline] [--bounds=guard|checked] [--out=DIR]
 *                 [-v] FILE.wast|DIR...
 *
 * Each .wast is converted by wabt's wast2json into DIR/<name>/ (default
 * build/spec-json) and every command is executed: module, register, action,
 * assert_return (with nan:canonical / nan:arithmetic), assert_trap,
 * assert_exhaustion, assert_invalid, assert_malformed (binary form; the
 * text form tests a text parser, which this runtime does not have, and is
 * counted as skipped), assert_unlinkable, assert_uninstantiable. Prints a
 * line per file and ends with 'N passed, N failed'.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kpio_wasm.h"
#include "json.h"

extern char **environ;
static bool verbose;
/* --engine=jit: every module must be compiled (none silently interpreted). */
static bool require_jit;
static const char *out_dir = "build/spec-json";

typedef struct counts {
    unsigned passed, failed, skipped;
} counts;

typedef struct named {
    char *name;
    wasm_instance *inst;
} named;

/* State while running one file. */
typedef struct runner {
    const char *file;           /* .wast path, for messages */
    char json_dir[4096];
    wasm_linker *linker;
    wasm_instance *current;
    named *names;
    size_t nnames;
    wasm_instance **all;        /* every instance, freed at the end */
    size_t nall;
    counts c;
    unsigned line;
} runner;

__attribute__((format(printf, 2, 3)))
static void fail(runner *r, const char *fmt, ...)
{
    r->c.failed++;
    fprintf(stderr, "%s:%u: FAIL: ", r->file, r->line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void pass(runner *r)
{
    r->c.passed++;
}

/* ---- the spectest host module (Wasm spec interpreter's "spectest") ---- */

typedef struct bytes {
    uint8_t *b;
    size_t n, cap;
} bytes;

static void put(bytes *o, uint8_t v)
{
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 256;
        o->b = realloc(o->b, o->cap);
    }
    o->b[o->n++] = v;
}

static void put_uleb(bytes *o, uint64_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        put(o, b | (v ? 0x80 : 0));
    } while (v);
}

static void put_sleb(bytes *o, int64_t v)
{
    for (;;) {
        uint8_t b = v & 0x7f;
        v >>= 7;
        bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
        put(o, b | (done ? 0 : 0x80));
        if (done)
            return;
    }
}

static void put_name(bytes *o, const char *s)
{
    put_uleb(o, strlen(s));
    while (*s)
        put(o, (uint8_t)*s++);
}

static void put_section(bytes *o, uint8_t id, bytes *content)
{
    put(o, id);
    put_uleb(o, content->n);
    for (size_t i = 0; i < content->n; i++)
        put(o, content->b[i]);
    free(content->b);
    memset(content, 0, sizeof(*content));
}

/* The binary of a module that imports the print functions from "host" and
 * exports them with the globals, table and memory of the spectest module. */
static bytes spectest_binary(void)
{
    static const char *const prints[] = { "print", "print_i32", "print_i64", "print_f32",
                                          "print_f64", "print_i32_f32", "print_f64_f64" };
    static const uint8_t params[][3] = { { 0 }, { 1, 0x7F }, { 1, 0x7E }, { 1, 0x7D },
                                         { 1, 0x7C }, { 2, 0x7F, 0x7D }, { 2, 0x7C, 0x7C } };
    bytes o = { 0 }, s = { 0 };
    const uint8_t header[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    for (size_t i = 0; i < sizeof(header); i++)
        put(&o, header[i]);
    put_uleb(&s, 7);                        /* types */
    for (int t = 0; t < 7; t++) {
        put(&s, 0x60);
        put_uleb(&s, params[t][0]);
        for (int k = 0; k < params[t][0]; k++)
            put(&s, params[t][1 + k]);
        put_uleb(&s, 0);
    }
    put_section(&o, 1, &s);
    put_uleb(&s, 7);                        /* imports */
    for (int t = 0; t < 7; t++) {
        put_name(&s, "host");
        put_name(&s, prints[t]);
        put(&s, 0x00);
        put_uleb(&s, (uint64_t)t);
    }
    put_section(&o, 2, &s);
    put_uleb(&s, 1);                        /* table 10..20 funcref */
    put(&s, 0x70);
    put(&s, 0x01);
    put_uleb(&s, 10);
    put_uleb(&s, 20);
    put_section(&o, 4, &s);
    put_uleb(&s, 1);                        /* memory 1..2 */
    put(&s, 0x01);
    put_uleb(&s, 1);
    put_uleb(&s, 2);
    put_section(&o, 5, &s);
    put_uleb(&s, 4);                        /* globals = 666 / 666.6 */
    put(&s, 0x7F);
    put(&s, 0);
    put(&s, 0x41);
    put_sleb(&s, 666);
    put(&s, 0x0B);
    put(&s, 0x7E);
    put(&s, 0);
    put(&s, 0x42);
    put_sleb(&s, 666);
    put(&s, 0x0B);
    float f = 666.6f;
    double d = 666.6;
    uint8_t fb[4], db[8];
    memcpy(fb, &f, 4);
    memcpy(db, &d, 8);
    put(&s, 0x7D);
    put(&s, 0);
    put(&s, 0x43);
    for (int i = 0; i < 4; i++)
        put(&s, fb[i]);
    put(&s, 0x0B);
    put(&s, 0x7C);
    put(&s, 0);
    put(&s, 0x44);
    for (int i = 0; i < 8; i++)
        put(&s, db[i]);
    put(&s, 0x0B);
    put_section(&o, 6, &s);
    put_uleb(&s, 7 + 4 + 2);                /* exports */
    for (int t = 0; t < 7; t++) {
        put_name(&s, prints[t]);
        put(&s, 0x00);
        put_uleb(&s, (uint64_t)t);
    }
    static const char *const globals[] = { "global_i32", "global_i64", "global_f32", "global_f64" };
    for (int g = 0; g < 4; g++) {
        put_name(&s, globals[g]);
        put(&s, 0x03);
        put_uleb(&s, (uint64_t)g);
    }
    put_name(&s, "table");
    put(&s, 0x01);
    put_uleb(&s, 0);
    put_name(&s, "memory");
    put(&s, 0x02);
    put_uleb(&s, 0);
    put_section(&o, 7, &s);
    return o;
}

static wasm_trap host_print(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst;
    (void)results;
    const char *sig = env;
    if (verbose) {
        printf("spectest.print%s:", sig);
        for (size_t i = 0; sig[i] && sig[i] != ')'; i++)
            if (sig[i] != '(')
                printf(" 0x%" PRIx64, args[i - 1]);
        printf("\n");
    }
    return WASM_TRAP_NONE;
}

/* A fresh linker holding "spectest" for each file. */
static bool setup_linker(runner *r)
{
    static const char *const names[] = { "print", "print_i32", "print_i64", "print_f32",
                                         "print_f64", "print_i32_f32", "print_f64_f64" };
    static const char *const sigs[] = { "()", "(i)", "(I)", "(f)", "(F)", "(if)", "(FF)" };
    wasm_linker *host = wasm_linker_new();
    for (int i = 0; i < 7; i++)
        wasm_linker_define_func(host, "host", names[i], sigs[i], host_print, (void *)sigs[i]);
    bytes bin = spectest_binary();
    wasm_error err;
    wasm_module *m = wasm_module_load(bin.b, bin.n, &err);
    free(bin.b);
    if (!m) {
        fprintf(stderr, "spectest module: %s\n", err.message);
        wasm_linker_free(host);
        return false;
    }
    wasm_instance *inst = wasm_instantiate(m, host, NULL, NULL, &err);
    wasm_module_free(m);
    wasm_linker_free(host);
    if (!inst) {
        fprintf(stderr, "spectest instance: %s\n", err.message);
        return false;
    }
    r->linker = wasm_linker_new();
    wasm_linker_define_instance(r->linker, "spectest", inst);
    wasm_instance_free(inst);
    return true;
}

/* ---- values ---- */

static uint64_t parse_u64(const char *s)
{
    return s ? strtoull(s, NULL, 10) : 0;
}

static wasm_valtype type_of(const char *t)
{
    if (!t) return 0;
    if (!strcmp(t, "i32")) return WASM_I32;
    if (!strcmp(t, "i64")) return WASM_I64;
    if (!strcmp(t, "f32")) return WASM_F32;
    if (!strcmp(t, "f64")) return WASM_F64;
    if (!strcmp(t, "v128")) return WASM_V128;
    if (!strcmp(t, "funcref")) return WASM_FUNCREF;
    if (!strcmp(t, "externref")) return WASM_EXTERNREF;
    return 0;
}

static int lane_bits(const char *lane_type)
{
    if (!lane_type) return 0;
    if (!strcmp(lane_type, "i8")) return 8;
    if (!strcmp(lane_type, "i16")) return 16;
    if (!strcmp(lane_type, "i32") || !strcmp(lane_type, "f32")) return 32;
    if (!strcmp(lane_type, "i64") || !strcmp(lane_type, "f64")) return 64;
    return 0;
}

/* externref N travels as the pointer N+1, so that ref.extern 0 is not null. */
static bool parse_value(const json *v, wasm_value *out)
{
    memset(out, 0, sizeof(*out));
    out->type = type_of(json_str(v, "type"));
    const char *val = json_str(v, "value");
    switch (out->type) {
    case WASM_I32: case WASM_F32: out->of.i32 = (uint32_t)parse_u64(val); return true;
    case WASM_I64: case WASM_F64: out->of.i64 = parse_u64(val); return true;
    case WASM_FUNCREF: case WASM_EXTERNREF:
        out->of.ref = !val || !strcmp(val, "null") ? NULL : (void *)(uintptr_t)(parse_u64(val) + 1);
        return true;
    case WASM_V128: {
        const json *lanes = json_get(v, "value");
        int bits = lane_bits(json_str(v, "lane_type"));
        if (!lanes || lanes->kind != JSON_ARRAY || !bits || lanes->count != 128u / bits)
            return false;
        for (size_t i = 0; i < lanes->count; i++) {
            uint64_t x = parse_u64(lanes->items[i]->str);
            memcpy(out->of.v128 + i * (bits / 8), &x, bits / 8);
        }
        return true;
    }
    }
    return false;
}

static bool match_float(uint64_t bits, const char *want, int width)
{
    uint64_t sign = width == 32 ? 0x80000000u : 0x8000000000000000ull;
    uint64_t canon = width == 32 ? 0x7fc00000u : 0x7ff8000000000000ull;
    uint64_t exp = width == 32 ? 0x7f800000u : 0x7ff0000000000000ull;
    if (!strcmp(want, "nan:canonical"))
        return (bits & ~sign) == canon;
    if (!strcmp(want, "nan:arithmetic"))
        return (bits & canon) == canon && (bits & exp) == exp;
    return bits == parse_u64(want);
}

/* Compares a result with an expected JSON value. */
static bool match_value(const wasm_value *got, const json *want)
{
    wasm_valtype t = type_of(json_str(want, "type"));
    const char *val = json_str(want, "value");
    if (got->type != t)
        return false;
    switch (t) {
    case WASM_I32: return got->of.i32 == (uint32_t)parse_u64(val);
    case WASM_I64: return got->of.i64 == parse_u64(val);
    case WASM_F32: return val && match_float(got->of.f32, val, 32);
    case WASM_F64: return val && match_float(got->of.f64, val, 64);
    case WASM_EXTERNREF:
    case WASM_FUNCREF:
        if (!val)
            return got->of.ref != NULL;
        if (!strcmp(val, "null"))
            return got->of.ref == NULL;
        return t == WASM_EXTERNREF && got->of.ref == (void *)(uintptr_t)(parse_u64(val) + 1);
    case WASM_V128: {
        const json *lanes = json_get(want, "value");
        const char *lt = json_str(want, "lane_type");
        int bits = lane_bits(lt);
        if (!lanes || lanes->kind != JSON_ARRAY || !bits || lanes->count != 128u / bits)
            return false;
        for (size_t i = 0; i < lanes->count; i++) {
            uint64_t x = 0;
            memcpy(&x, got->of.v128 + i * (bits / 8), bits / 8);
            const char *w = lanes->items[i]->str;
            bool ok = lt[0] == 'f' ? match_float(x, w, bits) : x == (parse_u64(w) & (bits == 64 ? ~0ull : (1ull << bits) - 1));
            if (!ok)
                return false;
        }
        return true;
    }
    }
    return false;
}

static void format_value(const wasm_value *v, char *buf, size_t size)
{
    switch (v->type) {
    case WASM_I32: case WASM_F32: snprintf(buf, size, "%s:%u", v->type == WASM_I32 ? "i32" : "f32", v->of.i32); break;
    case WASM_I64: case WASM_F64: snprintf(buf, size, "%s:%" PRIu64, v->type == WASM_I64 ? "i64" : "f64", v->of.i64); break;
    case WASM_V128: {
        uint64_t lo, hi;
        memcpy(&lo, v->of.v128, 8);
        memcpy(&hi, v->of.v128 + 8, 8);
        snprintf(buf, size, "v128:%016" PRIx64 "%016" PRIx64, hi, lo);
        break;
    }
    default: snprintf(buf, size, "ref:%p", v->of.ref); break;
    }
}

/* ---- commands ---- */

static wasm_instance *find_instance(runner *r, const char *name)
{
    if (!name)
        return r->current;
    for (size_t i = r->nnames; i-- > 0;)
        if (!strcmp(r->names[i].name, name))
            return r->names[i].inst;
    return NULL;
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* Loads the module file named by cmd's "filename". */
static wasm_module *load(runner *r, const json *cmd, wasm_error *err)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", r->json_dir, json_str(cmd, "filename"));
    size_t size;
    uint8_t *b = read_file(path, &size);
    if (!b) {
        snprintf(err->message, sizeof(err->message), "cannot read %s", path);
        err->result = WASM_ERR_ARGS;
        return NULL;
    }
    wasm_module *m = wasm_module_load(b, size, err);
    free(b);
    if (m && require_jit && wasm_module_engine(m) != WASM_ENGINE_JIT) {
        /* a module the JIT declined would silently run interpreted */
        snprintf(err->message, sizeof(err->message), "not compiled by the JIT: %s",
                 wasm_jit_last_error() ? wasm_jit_last_error() : "?");
        err->result = WASM_ERR_LIMIT;
        wasm_module_free(m);
        return NULL;
    }
    return m;
}

static void keep(runner *r, wasm_instance *inst)
{
    r->all = realloc(r->all, (r->nall + 1) * sizeof(*r->all));
    r->all[r->nall++] = inst;
}

static void cmd_module(runner *r, const json *cmd)
{
    wasm_error err;
    r->current = NULL;
    wasm_module *m = load(r, cmd, &err);
    if (!m) {
        fail(r, "module did not load: %s", err.message);
        return;
    }
    wasm_instance *inst = wasm_instantiate(m, r->linker, NULL, NULL, &err);
    wasm_module_free(m);
    if (!inst) {
        fail(r, "module did not instantiate: %s", err.message);
        return;
    }
    keep(r, inst);
    r->current = inst;
    const char *name = json_str(cmd, "name");
    if (name) {
        r->names = realloc(r->names, (r->nnames + 1) * sizeof(*r->names));
        r->names[r->nnames].name = strdup(name);
        r->names[r->nnames].inst = inst;
        r->nnames++;
    }
    pass(r);
}

static void cmd_register(runner *r, const json *cmd)
{
    wasm_instance *inst = find_instance(r, json_str(cmd, "name"));
    if (!inst) {
        fail(r, "register: no such module");
        return;
    }
    if (wasm_linker_define_instance(r->linker, json_str(cmd, "as"), inst) != WASM_OK) {
        fail(r, "register failed");
        return;
    }
    pass(r);
}

/* Performs an action; results go to `results` (room for 16). */
static wasm_result do_action(runner *r, const json *cmd, wasm_value *results, size_t *nresults,
                             wasm_error *err)
{
    const json *action = json_get(cmd, "action");
    const json *expected = json_get(cmd, "expected");
    const char *type = json_str(action, "type");
    wasm_instance *inst = find_instance(r, json_str(action, "module"));
    const json *field = json_get(action, "field");
    *nresults = expected && expected->kind == JSON_ARRAY ? expected->count : 0;
    if (!inst || !field || *nresults > 16) {
        snprintf(err->message, sizeof(err->message), "bad action");
        return WASM_ERR_ARGS;
    }
    if (type && !strcmp(type, "get")) {
        wasm_result res = wasm_global_get(inst, field->str, &results[0]);
        *nresults = 1;
        if (res != WASM_OK)
            snprintf(err->message, sizeof(err->message), "no global %s", field->str);
        return res;
    }
    wasm_func *f = wasm_instance_export_func(inst, field->str, field->len);
    if (!f) {
        snprintf(err->message, sizeof(err->message), "no function %s", field->str);
        return WASM_ERR_NOT_FOUND;
    }
    const json *args = json_get(action, "args");
    size_t nargs = args ? args->count : 0;
    wasm_value argv[32];
    if (nargs > 32)
        return WASM_ERR_ARGS;
    for (size_t i = 0; i < nargs; i++)
        if (!parse_value(args->items[i], &argv[i]))
            return WASM_ERR_ARGS;
    return wasm_call_func(inst, f, argv, nargs, results, *nresults, err);
}

static void cmd_action(runner *r, const json *cmd)
{
    wasm_value results[16];
    size_t n;
    wasm_error err;
    if (do_action(r, cmd, results, &n, &err) != WASM_OK)
        fail(r, "action failed: %s", err.message);
    else
        pass(r);
}

static void cmd_assert_return(runner *r, const json *cmd)
{
    wasm_value results[16];
    size_t n;
    wasm_error err;
    if (do_action(r, cmd, results, &n, &err) != WASM_OK) {
        fail(r, "assert_return: %s", err.message);
        return;
    }
    const json *expected = json_get(cmd, "expected");
    for (size_t i = 0; i < n; i++) {
        if (!match_value(&results[i], expected->items[i])) {
            char got[80];
            format_value(&results[i], got, sizeof(got));
            fail(r, "assert_return: result %zu is %s, expected %s %s", i, got,
                 json_str(expected->items[i], "type"),
                 json_str(expected->items[i], "value") ? json_str(expected->items[i], "value") : "(lanes)");
            return;
        }
    }
    pass(r);
}

/* Whether trap kind t is what the spec's message names. */
static bool trap_matches(wasm_trap t, const char *text)
{
    if (!text)
        return true;
    if (t == WASM_TRAP_TABLE_OOB && !strncmp(text, "undefined element", 17))
        return true;
    const char *msg = wasm_trap_message(t);
    return !strncmp(text, msg, strlen(msg));
}

static void cmd_assert_trap(runner *r, const json *cmd, bool exhaustion)
{
    wasm_value results[16];
    size_t n;
    wasm_error err;
    const char *text = json_str(cmd, "text");
    wasm_result res = do_action(r, cmd, results, &n, &err);
    if (res != WASM_ERR_TRAP) {
        fail(r, "%s: expected trap \"%s\", got %s", exhaustion ? "assert_exhaustion" : "assert_trap", text,
             res == WASM_OK ? "no trap" : err.message);
        return;
    }
    if (exhaustion ? err.trap != WASM_TRAP_STACK_EXHAUSTED : !trap_matches(err.trap, text)) {
        fail(r, "trap \"%s\", expected \"%s\"", wasm_trap_message(err.trap), text);
        return;
    }
    pass(r);
}

static void cmd_assert_module(runner *r, const json *cmd, const char *kind)
{
    const char *module_type = json_str(cmd, "module_type");
    if (module_type && !strcmp(module_type, "text")) {
        r->c.skipped++;        /* a text-format test: no text parser here */
        return;
    }
    wasm_error err;
    wasm_module *m = load(r, cmd, &err);
    bool malformed = !strcmp(kind, "assert_malformed");
    bool invalid = !strcmp(kind, "assert_invalid");
    if (malformed || invalid) {
        wasm_result want = malformed ? WASM_ERR_MALFORMED : WASM_ERR_INVALID;
        if (m) {
            fail(r, "%s: module loaded, expected \"%s\"", kind, json_str(cmd, "text"));
            wasm_module_free(m);
        } else if (err.result != want) {
            fail(r, "%s: expected \"%s\", got: %s", kind, json_str(cmd, "text"), err.message);
        } else {
            if (verbose)
                printf("%s:%u: %s: %s (spec: %s)\n", r->file, r->line, kind, err.message, json_str(cmd, "text"));
            pass(r);
        }
        return;
    }
    if (!m) {
        fail(r, "%s: module did not load: %s", kind, err.message);
        return;
    }
    wasm_instance *inst = wasm_instantiate(m, r->linker, NULL, NULL, &err);
    wasm_module_free(m);
    wasm_result want = !strcmp(kind, "assert_unlinkable") ? WASM_ERR_UNLINKABLE : WASM_ERR_TRAP;
    if (inst) {
        keep(r, inst);
        fail(r, "%s: instantiated, expected \"%s\"", kind, json_str(cmd, "text"));
    } else if (err.result != want) {
        fail(r, "%s: expected \"%s\", got: %s", kind, json_str(cmd, "text"), err.message);
    } else if (want == WASM_ERR_TRAP && !trap_matches(err.trap, json_str(cmd, "text"))) {
        fail(r, "%s: trap \"%s\", expected \"%s\"", kind, wasm_trap_message(err.trap), json_str(cmd, "text"));
    } else {
        pass(r);
    }
}

static void run_command(runner *r, const json *cmd)
{
    const char *type = json_str(cmd, "type");
    const char *line = json_str(cmd, "line");
    r->line = line ? (unsigned)atoi(line) : 0;
    if (!type)
        fail(r, "command without type");
    else if (!strcmp(type, "module"))
        cmd_module(r, cmd);
    else if (!strcmp(type, "register"))
        cmd_register(r, cmd);
    else if (!strcmp(type, "action"))
        cmd_action(r, cmd);
    else if (!strcmp(type, "assert_return"))
        cmd_assert_return(r, cmd);
    else if (!strcmp(type, "assert_trap"))
        cmd_assert_trap(r, cmd, false);
    else if (!strcmp(type, "assert_exhaustion"))
        cmd_assert_trap(r, cmd, true);
    else if (!strcmp(type, "assert_invalid") || !strcmp(type, "assert_malformed") ||
             !strcmp(type, "assert_unlinkable") || !strcmp(type, "assert_uninstantiable"))
        cmd_assert_module(r, cmd, type);
    else
        fail(r, "unknown command %s", type);
}

/* ---- files ---- */

static int mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(tmp, 0755);
            *p = '/';
        }
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

/* Converts a .wast with wast2json; returns the JSON path or NULL. */
static bool convert(const char *wast, char *json_dir, size_t dir_size, char *json_path, size_t path_size)
{
    const char *base = strrchr(wast, '/');
    base = base ? base + 1 : wast;
    char name[1024];
    snprintf(name, sizeof(name), "%s", base);
    char *dot = strrchr(name, '.');
    if (dot)
        *dot = 0;
    snprintf(json_dir, dir_size, "%s/%s", out_dir, name);
    snprintf(json_path, path_size, "%s/%s.json", json_dir, name);
    if (mkdirs(json_dir) != 0)
        return false;
    /* posix_spawn: no copy of this process's (large, reserved) address space. */
    char *args[] = { "wast2json", (char *)wast, "-o", json_path, NULL };
    pid_t pid;
    int rc = posix_spawnp(&pid, "wast2json", NULL, NULL, args, environ);
    if (rc != 0) {
        fprintf(stderr, "wast2json: %s\n", strerror(rc));
        return false;
    }
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return false;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static counts run_file(const char *wast)
{
    runner r;
    memset(&r, 0, sizeof(r));
    r.file = wast;
    char json_path[8192];
    if (!convert(wast, r.json_dir, sizeof(r.json_dir), json_path, sizeof(json_path))) {
        fail(&r, "wast2json failed");
        return r.c;
    }
    size_t size;
    char *text = (char *)read_file(json_path, &size);
    json *doc = text ? json_parse(text, size) : NULL;
    free(text);
    const json *cmds = json_get(doc, "commands");
    if (!cmds || cmds->kind != JSON_ARRAY || !setup_linker(&r)) {
        fail(&r, "cannot read %s", json_path);
        json_free(doc);
        return r.c;
    }
    for (size_t i = 0; i < cmds->count; i++)
        run_command(&r, cmds->items[i]);
    json_free(doc);
    wasm_linker_free(r.linker);
    for (size_t i = 0; i < r.nall; i++)
        wasm_instance_free(r.all[i]);
    for (size_t i = 0; i < r.nnames; i++)
        free(r.names[i].name);
    free(r.all);
    free(r.names);
    return r.c;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .wast files in dir, sorted. */
static char **list_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    *n = 0;
    if (!d)
        return NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".wast")) {
            names = realloc(names, (*n + 1) * sizeof(*names));
            if (asprintf(&names[*n], "%s/%s", dir, e->d_name) < 0)
                break;
            (*n)++;
        }
    }
    closedir(d);
    qsort(names, *n, sizeof(*names), compare_names);
    return names;
}

static void usage(void)
{
    fprintf(stderr, "usage: kpio-spectest [--engine=interp|jit|jit-baseline] [--bounds=guard|checked] [--out=DIR] [-v] FILE.wast|DIR...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    counts total = { 0, 0, 0 };
    unsigned files = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-v")) {
            verbose = true;
        } else if (!strncmp(a, "--engine=", 9)) {
            if (!strcmp(a + 9, "interp")) {
                wasm_runtime_set_engine(WASM_ENGINE_INTERP);
            } else if (!strcmp(a + 9, "jit") || !strcmp(a + 9, "jit-baseline")) {
                wasm_runtime_set_engine(strcmp(a + 9, "jit") ? WASM_ENGINE_JIT_BASELINE : WASM_ENGINE_JIT);
                require_jit = true;
            } else {
                usage();
            }
        } else if (!strncmp(a, "--bounds=", 9)) {
            if (!strcmp(a + 9, "checked"))
                wasm_runtime_set_checked(true);
            else if (strcmp(a + 9, "guard") != 0)
                usage();
        } else if (!strncmp(a, "--out=", 6)) {
            out_dir = a + 6;
        } else if (a[0] == '-') {
            usage();
        }
    }
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        struct stat st;
        size_t n = 1;
        char **list = NULL;
        char *single[1] = { argv[i] };
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
            list = list_dir(argv[i], &n);
        char **names = list ? list : single;
        for (size_t k = 0; k < n; k++) {
            counts c = run_file(names[k]);
            printf("%s: %u passed, %u failed%s\n", names[k], c.passed, c.failed,
                   c.skipped ? "" : "");
            if (c.skipped)
                printf("%s: %u text-format assertions skipped by design\n", names[k], c.skipped);
            total.passed += c.passed;
            total.failed += c.failed;
            total.skipped += c.skipped;
            files++;
        }
        if (list) {
            for (size_t k = 0; k < n; k++)
                free(list[k]);
            free(list);
        }
    }
    if (!files)
        usage();
    printf("%u files; %u text-format assert_malformed skipped by design (no text parser)\n", files, total.skipped);
    printf("%u passed, %u failed\n", total.passed, total.failed);
    return total.failed ? 1 : 0;
}
