/*
 * runtime/module.c — loading a module: decode (decode.c), validate and
 * translate every function body (translate.c) or, for the JIT, validate
 * them and compile (jit/); the interpreter code of a compiled module made
 * when first needed; module reflection.
 */
#include "wasm_internal.h"
#include "jit/jit.h"

void wasm_module_release(wasm_module *m)
{
    if (!m || --m->refcount)
        return;
    wasm_jit_free_module(m);
    wasm_free(m->funcs);
    wasm_free(m->tables);
    wasm_free(m->mems);
    wasm_free(m->globals);
    wasm_free(m->code_buf);
    wasm_free(m->body_bytes);
    wasm_free(m->bodies);
    wasm_arena_free(&m->arena);
    wasm_free(m);
}

void wasm_module_free(wasm_module *m)
{
    wasm_module_release(m);
}

/* After a validation error: if any body is malformed, that is the error to
 * report (a binary is decoded completely before it is validated). */
static wasm_result prefer_malformed(wasm_module *m, const wasm_body *bodies, wasm_error *err)
{
    wasm_error scan_err;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        if (wasm_scan_body(m, i, &bodies[i - m->nfunc_imports], &scan_err) != WASM_OK) {
            if (err)
                *err = scan_err;
            return WASM_ERR_MALFORMED;
        }
    }
    return WASM_ERR_INVALID;
}

/* One pass of the translator over every body: validation only (emit false)
 * or validation and the interpreter code (emit true, then in m->code_buf). */
static wasm_result translate_all(wasm_module *m, const wasm_body *bodies, bool emit, wasm_error *err)
{
    wasm_translator *t = wasm_translator_new(m, emit);
    if (!t) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
        return WASM_ERR_NOMEM;
    }
    wasm_result r = WASM_OK;
    for (uint32_t i = m->nfunc_imports; r == WASM_OK && i < m->nfuncs; i++) {
        r = wasm_translate_func(t, i, &bodies[i - m->nfunc_imports], err);
        if (r == WASM_ERR_INVALID)
            r = prefer_malformed(m, bodies, err);
    }
    if (r == WASM_OK)
        r = wasm_translator_finish(t, err);
    wasm_translator_free(t);
    if (r == WASM_OK && emit)
        m->interp_state = WASM_INTERP_READY;
    return r;
}

/* Copies the bodies into the module: the JIT's fuel-metered variant and the
 * interpreter code, both made later if at all, need them after the binary
 * is gone. */
static bool keep_bodies(wasm_module *m, const wasm_body *bodies)
{
    uint32_t n = m->nfuncs - m->nfunc_imports;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        total += (size_t)(bodies[i].end - bodies[i].start);
    m->body_bytes = wasm_plat_alloc(total ? total : 1);
    m->bodies = wasm_plat_alloc(sizeof(wasm_body) * (n ? n : 1));
    if (!m->body_bytes || !m->bodies)
        return false;
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = (size_t)(bodies[i].end - bodies[i].start);
        wasm_memcpy(m->body_bytes + off, bodies[i].start, len);
        m->bodies[i].start = m->body_bytes + off;
        m->bodies[i].end = m->body_bytes + off + len;
        m->bodies[i].offset = bodies[i].offset;
        off += len;
    }
    return true;
}

static void drop_bodies(wasm_module *m)
{
    wasm_free(m->body_bytes);
    wasm_free(m->bodies);
    m->body_bytes = NULL;
    m->bodies = NULL;
}

/*
 * Decodes and validates a module. With `run` false that is all (validation
 * only). Otherwise, when the JIT takes the module, the bodies are validated
 * without making interpreter code, then compiled; else (the interpreter
 * chosen, the JIT unavailable or declining) they are translated for the
 * interpreter, which validates them in the same pass.
 */
static wasm_module *load(const uint8_t *bytes, size_t size, bool run, wasm_error *err)
{
    if (err)
        wasm_error_set(err, WASM_OK, "ok");
    wasm_module *m = wasm_zalloc(sizeof(*m));
    if (!m) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    m->refcount = 1;
    m->checked = wasm_runtime_checked();
    wasm_body *bodies = NULL;
    wasm_result r = wasm_decode_module(m, bytes, size, &bodies, err);
    if (r == WASM_ERR_INVALID && bodies)
        r = prefer_malformed(m, bodies, err);
    bool jit = run && !m->checked && wasm_jit_enabled();
    if (r == WASM_OK)
        r = translate_all(m, bodies, run && !jit, err);
    if (r == WASM_OK && jit && (!keep_bodies(m, bodies) || !wasm_jit_compile_module(m, m->bodies))) {
        drop_bodies(m);         /* no memory for the copy, or the JIT declined: */
        r = translate_all(m, bodies, true, err);      /* interpreted after all */
    }
    wasm_free(bodies);
    if (r != WASM_OK) {
        wasm_module_release(m);
        return NULL;
    }
    return m;
}

wasm_module *wasm_module_load(const uint8_t *bytes, size_t size, wasm_error *err)
{
    return load(bytes, size, true, err);
}

wasm_result wasm_module_validate(const uint8_t *bytes, size_t size, wasm_error *err)
{
    wasm_module *m = load(bytes, size, false, err);
    if (!m)
        return err ? err->result : WASM_ERR_INVALID;
    wasm_module_free(m);
    return WASM_OK;
}

bool wasm_module_prepare_interp(wasm_module *m)
{
    uint8_t state = __atomic_load_n(&m->interp_state, __ATOMIC_ACQUIRE);
    if (state == WASM_INTERP_READY)
        return true;
    if (!m->bodies)
        return false;           /* not a compiled module: nothing to make it from */
    uint8_t none = WASM_INTERP_NONE;
    if (__atomic_compare_exchange_n(&m->interp_state, &none, WASM_INTERP_BUSY, false,
                                                 __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
        /* The bodies were validated at load: only memory can fail here. */
        wasm_error err;
        wasm_translator *t = wasm_translator_new(m, true);
        wasm_result r = t ? WASM_OK : WASM_ERR_NOMEM;
        for (uint32_t i = m->nfunc_imports; r == WASM_OK && i < m->nfuncs; i++)
            r = wasm_translate_func(t, i, &m->bodies[i - m->nfunc_imports], &err);
        if (r == WASM_OK)
            r = wasm_translator_finish(t, &err);
        wasm_translator_free(t);
        __atomic_store_n(&m->interp_state, r == WASM_OK ? WASM_INTERP_READY : WASM_INTERP_FAILED,
                         __ATOMIC_RELEASE);
        return r == WASM_OK;
    }
    /* another thread is making it: wait for the outcome */
    while ((state = __atomic_load_n(&m->interp_state, __ATOMIC_ACQUIRE)) == WASM_INTERP_BUSY)
        ;
    return state == WASM_INTERP_READY;
}

bool wasm_funcinst_prepare_interp(wasm_funcinst *f)
{
    if (!wasm_module_prepare_interp(f->inst->module))
        return false;
    f->zero1 = f->code->zero1;      /* decided when the code was made */
    f->ops = f->code->ops;
    return true;
}

uint32_t wasm_module_import_count(const wasm_module *m)
{
    return m->nimports;
}

bool wasm_module_import(const wasm_module *m, uint32_t i, wasm_extern_info *out)
{
    if (i >= m->nimports)
        return false;
    const wasm_import *im = &m->imports[i];
    out->module = im->module;
    out->name = im->name;
    out->kind = (enum wasm_extern_kind)im->kind;
    out->index = im->index;
    return true;
}

uint32_t wasm_module_export_count(const wasm_module *m)
{
    return m->nexports;
}

bool wasm_module_export(const wasm_module *m, uint32_t i, wasm_extern_info *out)
{
    if (i >= m->nexports)
        return false;
    const wasm_export *ex = &m->exports[i];
    out->module = NULL;
    out->name = ex->name;
    out->kind = (enum wasm_extern_kind)ex->kind;
    out->index = ex->index;
    return true;
}
