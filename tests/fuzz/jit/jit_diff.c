/*
 * tests/fuzz/jit/jit_diff.c — runs one module under the interpreter and
 * under the JIT side by side and compares everything observable: whether
 * instantiation succeeds, then for each exported function called with the
 * same arguments the outcome (results, or which trap), and after each call
 * the whole linear memory and every exported global. Also that the JIT's
 * module gets no interpreter code at load, and can get it later.
 */
#include "jit_diff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../runtime/wasm_internal.h"

/* The parameter and result types of function index fi of m. */
static void func_type(const wasm_module *m, uint32_t fi, uint8_t *params, uint32_t *np, uint8_t *results,
                      uint32_t *nr)
{
    const wasm_functype *t = m->funcs[fi].type;
    *np = t->nparams < 8 ? t->nparams : 8;
    *nr = t->nresults < 4 ? t->nresults : 4;
    memcpy(params, t->params, *np);
    memcpy(results, t->results, *nr);
}

/* The import every generated module has: env.h (i32) -> i32. */
static wasm_trap host_h(wasm_instance *inst, void *env, const uint64_t *args, uint64_t *results)
{
    (void)inst;
    (void)env;
    results[0] = (uint32_t)((uint32_t)args[0] * 2654435761u + 1);
    return WASM_TRAP_NONE;
}

static uint64_t next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static void report(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

/* An argument of type t: often an interesting value, else random bits. */
static wasm_value random_arg(uint8_t t, uint64_t *s)
{
    static const uint64_t ints[] = { 0, 1, 2, 3, 7, 0xffffffff, 0x80000000, 0x7fffffff, 0xfff0, 65536,
                                     0xffffffffffffffffull, 0x8000000000000000ull };
    wasm_value v;
    memset(&v, 0, sizeof(v));
    v.type = (wasm_valtype)t;
    uint64_t r = next(s);
    uint64_t bits = (r & 3) ? ints[(r >> 2) % 12] : next(s);
    switch (t) {
    case WASM_I32: v.of.i32 = (uint32_t)bits; break;
    case WASM_I64: v.of.i64 = bits; break;
    case WASM_F32: v.of.f32 = (r & 4) ? 0x3fc00000u + (uint32_t)(bits & 0xff) : (uint32_t)bits; break;
    case WASM_F64: v.of.f64 = (r & 4) ? 0xc008000000000000ull + (bits & 0xff) : bits; break;
    case WASM_V128:
        for (int i = 0; i < 16; i++)
            v.of.v128[i] = (uint8_t)next(s);
        break;
    default: break;
    }
    return v;
}

static bool is_nan(uint8_t t, uint64_t bits)
{
    if (t == WASM_F32)
        return (bits & 0x7f800000u) == 0x7f800000u && (bits & 0x7fffffu);
    if (t == WASM_F64)
        return (bits & 0x7ff0000000000000ull) == 0x7ff0000000000000ull && (bits & 0xfffffffffffffull);
    return false;
}

/* Equal values: the same bits, or NaN and NaN. */
static bool same_value(const wasm_value *a, const wasm_value *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case WASM_I32: return a->of.i32 == b->of.i32;
    case WASM_I64: return a->of.i64 == b->of.i64;
    case WASM_F32: return a->of.f32 == b->of.f32 || (is_nan(WASM_F32, a->of.f32) && is_nan(WASM_F32, b->of.f32));
    case WASM_F64: return a->of.f64 == b->of.f64 || (is_nan(WASM_F64, a->of.f64) && is_nan(WASM_F64, b->of.f64));
    case WASM_V128: return !memcmp(a->of.v128, b->of.v128, 16);
    default: return (a->of.ref == NULL) == (b->of.ref == NULL);
    }
}

static void value_text(const wasm_value *v, char *out, size_t size)
{
    switch (v->type) {
    case WASM_I32: snprintf(out, size, "i32:0x%x", v->of.i32); break;
    case WASM_I64: snprintf(out, size, "i64:0x%llx", (unsigned long long)v->of.i64); break;
    case WASM_F32: snprintf(out, size, "f32:0x%08x", v->of.f32); break;
    case WASM_F64: snprintf(out, size, "f64:0x%016llx", (unsigned long long)v->of.f64); break;
    case WASM_V128: {
        uint64_t lo, hi;
        memcpy(&lo, v->of.v128, 8);
        memcpy(&hi, v->of.v128 + 8, 8);
        snprintf(out, size, "v128:%016llx%016llx", (unsigned long long)hi, (unsigned long long)lo);
        break;
    }
    default: snprintf(out, size, "ref:%s", v->of.ref ? "non-null" : "null"); break;
    }
}

typedef struct side {
    wasm_module *m;
    wasm_linker *l;
    wasm_instance *inst;
} side;

static void side_free(side *s)
{
    wasm_instance_free(s->inst);
    wasm_linker_free(s->l);
    wasm_module_free(s->m);
}

/* The function index of a funcref of inst (-1: null, -2: unknown). */
static long func_index(wasm_instance *inst, void *ref)
{
    if (!ref)
        return -1;
    for (uint32_t i = 0; i < inst->module->nfuncs; i++)
        if (inst->funcs[i] == ref)
            return (long)i;
    return -2;
}

/* Compares the tables (which function sits in each element). */
static bool same_tables(wasm_instance *a, wasm_instance *b, const char *after, char *out, size_t size)
{
    for (uint32_t t = 0; t < a->module->ntables; t++) {
        wasm_table *ta = a->tables[t], *tb = b->tables[t];
        if (ta->size != tb->size) {
            report(out, size, "after %s: table %u has %u elements (interpreter) vs %u (JIT)", after, t, ta->size,
                   tb->size);
            return false;
        }
        for (uint32_t i = 0; i < ta->size; i++) {
            long fa = func_index(a, ta->elems[i]), fb = func_index(b, tb->elems[i]);
            if (fa != fb) {
                report(out, size, "after %s: table %u element %u is function %ld (interpreter) vs %ld (JIT)", after,
                       t, i, fa, fb);
                return false;
            }
        }
    }
    return true;
}

/* Compares memories, tables and exported globals; false with a report. */
static bool same_state(wasm_instance *a, wasm_instance *b, const char *after, char *out, size_t size)
{
    uint64_t na = wasm_memory_size(a), nb = wasm_memory_size(b);
    if (na != nb) {
        report(out, size, "after %s: memory size %llu (interpreter) vs %llu (JIT)", after,
               (unsigned long long)na, (unsigned long long)nb);
        return false;
    }
    const uint8_t *ma = wasm_memory_base(a), *mb = wasm_memory_base(b);
    if (na && memcmp(ma, mb, na)) {
        uint64_t i = 0;
        while (ma[i] == mb[i])
            i++;
        report(out, size, "after %s: memory differs at 0x%llx: %02x (interpreter) vs %02x (JIT)", after,
               (unsigned long long)i, ma[i], mb[i]);
        return false;
    }
    for (int i = 0; i < 6; i++) {
        char name[4] = { 'g', (char)('0' + i), 0 };
        wasm_value va, vb;
        if (wasm_global_get(a, name, &va) != WASM_OK || wasm_global_get(b, name, &vb) != WASM_OK)
            continue;
        if (!same_value(&va, &vb)) {
            char ta[64], tb[64];
            value_text(&va, ta, sizeof(ta));
            value_text(&vb, tb, sizeof(tb));
            report(out, size, "after %s: global %s is %s (interpreter) vs %s (JIT)", after, name, ta, tb);
            return false;
        }
    }
    return true;
}

static bool setup(side *s, const uint8_t *bytes, size_t size, wasm_engine engine, char *out, size_t osize)
{
    wasm_error err;
    wasm_runtime_set_engine(engine);
    s->m = wasm_module_load(bytes, size, &err);
    if (!s->m) {
        report(out, osize, "the generated module does not load (%s): %s",
               engine == WASM_ENGINE_INTERP ? "interpreter" : "JIT", err.message);
        return false;
    }
    if (engine != WASM_ENGINE_INTERP && wasm_module_engine(s->m) != WASM_ENGINE_JIT) {
        report(out, osize, "the JIT declined the module: %s", wasm_jit_last_error());
        return false;
    }
    /* A compiled module has no interpreter code until something needs it;
     * made later, it must fit the frame layout validation gave it. */
    if (engine != WASM_ENGINE_INTERP && s->m->code_buf) {
        report(out, osize, "the compiled module got interpreter code at load");
        return false;
    }
    if (engine != WASM_ENGINE_INTERP && !wasm_module_prepare_interp(s->m)) {
        report(out, osize, "the compiled module's interpreter code cannot be made");
        return false;
    }
    s->l = wasm_linker_new();
    if (!s->l || wasm_linker_define_func(s->l, "env", "h", "(i)i", host_h, NULL) != WASM_OK) {
        report(out, osize, "cannot make a linker");
        return false;
    }
    return true;
}

int jit_diff_run(const uint8_t *bytes, size_t size, uint64_t seed, const jit_diff_options *opt,
                 jit_diff_stats *stats, char *out, size_t out_size)
{
    side a = { 0 }, b = { 0 };
    int rc = 1;
    out[0] = 0;
    if (!setup(&a, bytes, size, WASM_ENGINE_INTERP, out, out_size) ||
        !setup(&b, bytes, size, opt->baseline ? WASM_ENGINE_JIT_BASELINE : WASM_ENGINE_JIT, out, out_size))
        goto done;
    wasm_limits lim = { 0, 0, 0, opt->fuel };
    wasm_error ea, eb;
    a.inst = wasm_instantiate(a.m, a.l, &lim, NULL, &ea);
    b.inst = wasm_instantiate(b.m, b.l, &lim, NULL, &eb);
    if (!a.inst != !b.inst) {
        report(out, out_size, "instantiation: %s (interpreter) vs %s (JIT)", a.inst ? "ok" : ea.message,
               b.inst ? "ok" : eb.message);
        goto done;
    }
    if (!a.inst) {
        rc = 0;
        goto done;
    }
    if (stats)
        stats->modules++;
    uint32_t nexports = wasm_module_export_count(a.m);
    for (uint32_t e = 0; e < nexports; e++) {
        wasm_extern_info info;
        if (!wasm_module_export(a.m, e, &info) || info.kind != WASM_EXTERN_FUNC)
            continue;
        wasm_func *fa = wasm_instance_export_func(a.inst, info.name, strlen(info.name));
        wasm_func *fb = wasm_instance_export_func(b.inst, info.name, strlen(info.name));
        if (!fa || !fb)
            continue;
        for (int round = 0; round < 3; round++) {
            uint64_t s = seed ^ ((uint64_t)(e + 1) * 0x9e3779b97f4a7c15ull) ^ (uint64_t)round * 0xbf58476d1ce4e5b9ull;
            if (!s)
                s = 1;
            wasm_value args[8], ra[4], rb[4];
            uint8_t ptypes[8], rtypes[4];
            uint32_t np = 0, nr = 0;
            func_type(a.m, info.index, ptypes, &np, rtypes, &nr);
            for (uint32_t i = 0; i < np; i++)
                args[i] = random_arg(ptypes[i], &s);
            wasm_result xa = wasm_call_func(a.inst, fa, args, np, ra, nr, &ea);
            wasm_result xb = wasm_call_func(b.inst, fb, args, np, rb, nr, &eb);
            if (stats) {
                stats->calls++;
                if (xa == WASM_ERR_TRAP) {
                    stats->traps++;
                    stats->by_trap[ea.trap & 15]++;
                }
            }
            if ((xa == WASM_ERR_TRAP && ea.trap == WASM_TRAP_OUT_OF_FUEL) ||
                (xb == WASM_ERR_TRAP && eb.trap == WASM_TRAP_OUT_OF_FUEL)) {
                /* fuel is counted differently: nothing more to compare */
                if (stats)
                    stats->inconclusive++;
                rc = 0;
                goto done;
            }
            char call[64];
            snprintf(call, sizeof(call), "%s round %d", info.name, round);
            if (xa != xb || (xa == WASM_ERR_TRAP && ea.trap != eb.trap)) {
                report(out, out_size, "%s: %s (interpreter) vs %s (JIT)", call, xa ? ea.message : "ok",
                       xb ? eb.message : "ok");
                goto done;
            }
            for (uint32_t i = 0; xa == WASM_OK && i < nr; i++) {
                if (!same_value(&ra[i], &rb[i])) {
                    char ta[64], tb[64];
                    value_text(&ra[i], ta, sizeof(ta));
                    value_text(&rb[i], tb, sizeof(tb));
                    report(out, out_size, "%s: result %u is %s (interpreter) vs %s (JIT)", call, i, ta, tb);
                    goto done;
                }
            }
            if (!same_state(a.inst, b.inst, call, out, out_size) ||
                !same_tables(a.inst, b.inst, call, out, out_size))
                goto done;
        }
    }
    rc = 0;
done:
    side_free(&a);
    side_free(&b);
    return rc;
}
