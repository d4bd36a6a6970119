/*
 * runtime/module.c — loading a module: decode (decode.c), validate and
 * translate every function body (translate.c); module reflection.
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

wasm_module *wasm_module_load(const uint8_t *bytes, size_t size, wasm_error *err)
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
    wasm_translator *t = NULL;
    if (r == WASM_OK) {
        t = wasm_translator_new(m);
        if (!t) {
            wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
            r = WASM_ERR_NOMEM;
        }
    }
    for (uint32_t i = m->nfunc_imports; r == WASM_OK && i < m->nfuncs; i++) {
        r = wasm_translate_func(t, i, &bodies[i - m->nfunc_imports], err);
        if (r == WASM_ERR_INVALID)
            r = prefer_malformed(m, bodies, err);
    }
    if (r == WASM_OK)
        r = wasm_translator_finish(t, err);
    wasm_translator_free(t);
    if (r == WASM_OK)
        wasm_jit_compile_module(m, bodies);     /* else it stays interpreted */
    wasm_free(bodies);
    if (r != WASM_OK) {
        wasm_module_release(m);
        return NULL;
    }
    return m;
}

wasm_result wasm_module_validate(const uint8_t *bytes, size_t size, wasm_error *err)
{
    wasm_module *m = wasm_module_load(bytes, size, err);
    if (!m)
        return err ? err->result : WASM_ERR_INVALID;
    wasm_module_free(m);
    return WASM_OK;
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
