/*
 * runtime/linker.c — names for imports: host functions and other
 * instances' exports (the spec's `register`). A later definition of the
 * same name wins, as in the reference interpreter's registry.
 */
#include "wasm_internal.h"

typedef struct link_entry {
    char *module, *name;            /* name NULL: every export of inst */
    uint32_t module_len, name_len;
    wasm_instance *inst;
    wasm_functype type;             /* host function */
    uint8_t *types;
    wasm_host_func fn;
    void *env;
} link_entry;

struct wasm_linker {
    link_entry *entries;
    uint32_t n, cap;
};

wasm_linker *wasm_linker_new(void)
{
    return wasm_zalloc(sizeof(wasm_linker));
}

void wasm_linker_free(wasm_linker *l)
{
    if (!l)
        return;
    for (uint32_t i = 0; i < l->n; i++) {
        link_entry *e = &l->entries[i];
        wasm_free(e->module);
        wasm_free(e->name);
        wasm_free(e->types);
        if (e->inst)
            wasm_instance_release(e->inst);
    }
    wasm_free(l->entries);
    wasm_free(l);
}

static char *copy_name(const char *s, uint32_t *len)
{
    size_t n = wasm_strlen(s);
    char *c = wasm_plat_alloc(n + 1);
    if (c) {
        wasm_memcpy(c, s, n + 1);
        *len = (uint32_t)n;
    }
    return c;
}

static link_entry *new_entry(wasm_linker *l)
{
    if (!wasm_grow_array((void **)&l->entries, &l->cap, l->n + 1, sizeof(link_entry)))
        return NULL;
    link_entry *e = &l->entries[l->n];
    wasm_memset(e, 0, sizeof(*e));
    return e;
}

static uint8_t sig_type(char c)
{
    switch (c) {
    case 'i': return WASM_I32;
    case 'I': return WASM_I64;
    case 'f': return WASM_F32;
    case 'F': return WASM_F64;
    case 'v': return WASM_V128;
    case 'r': return WASM_EXTERNREF;
    case 'R': return WASM_FUNCREF;
    }
    return 0;
}

/* Parses "(params)results" into t; the type array is allocated in *types. */
static bool parse_signature(const char *sig, wasm_functype *t, uint8_t **types)
{
    size_t n = wasm_strlen(sig);
    if (n < 2 || sig[0] != '(')
        return false;
    const char *close = NULL;
    for (size_t i = 1; i < n; i++)
        if (sig[i] == ')') {
            close = sig + i;
            break;
        }
    if (!close)
        return false;
    uint32_t np = (uint32_t)(close - sig - 1);
    uint32_t nr = (uint32_t)(sig + n - close - 1);
    uint8_t *buf = wasm_plat_alloc(np + nr + 1);
    if (!buf)
        return false;
    for (uint32_t i = 0; i < np; i++)
        if (!(buf[i] = sig_type(sig[1 + i])))
            goto bad;
    for (uint32_t i = 0; i < nr; i++)
        if (!(buf[np + i] = sig_type(close[1 + i])))
            goto bad;
    t->nparams = np;
    t->nresults = nr;
    t->params = buf;
    t->results = buf + np;
    wasm_functype_finish(t);
    *types = buf;
    return true;
bad:
    wasm_free(buf);
    return false;
}

wasm_result wasm_linker_define_func(wasm_linker *l, const char *module, const char *name,
                                    const char *signature, wasm_host_func fn, void *env)
{
    if (!l || !module || !name || !signature || !fn)
        return WASM_ERR_ARGS;
    link_entry *e = new_entry(l);
    if (!e)
        return WASM_ERR_NOMEM;
    if (!parse_signature(signature, &e->type, &e->types))
        return WASM_ERR_ARGS;
    e->module = copy_name(module, &e->module_len);
    e->name = copy_name(name, &e->name_len);
    if (!e->module || !e->name) {
        wasm_free(e->module);
        wasm_free(e->name);
        wasm_free(e->types);
        return WASM_ERR_NOMEM;
    }
    e->fn = fn;
    e->env = env;
    l->n++;
    return WASM_OK;
}

wasm_result wasm_linker_define_instance(wasm_linker *l, const char *module_name, wasm_instance *inst)
{
    if (!l || !module_name || !inst)
        return WASM_ERR_ARGS;
    link_entry *e = new_entry(l);
    if (!e)
        return WASM_ERR_NOMEM;
    e->module = copy_name(module_name, &e->module_len);
    if (!e->module)
        return WASM_ERR_NOMEM;
    e->inst = inst;
    wasm_instance_retain(inst);
    l->n++;
    return WASM_OK;
}

/* Finds what import `im` names. Returns false if nothing has that name. */
bool wasm_linker_resolve(const wasm_linker *l, const wasm_import *im, wasm_extern_ref *out)
{
    if (!l)
        return false;
    for (uint32_t i = l->n; i-- > 0;) {
        const link_entry *e = &l->entries[i];
        if (!wasm_name_eq(e->module, e->module_len, im->module, im->module_len))
            continue;
        if (e->inst) {
            if (wasm_instance_find_export(e->inst, im->name, im->name_len, out))
                return true;
            continue;
        }
        if (wasm_name_eq(e->name, e->name_len, im->name, im->name_len)) {
            wasm_memset(out, 0, sizeof(*out));
            out->kind = WASM_EXTERN_FUNC;
            out->host_type = &e->type;
            out->host = e->fn;
            out->env = e->env;
            return true;
        }
    }
    return false;
}
