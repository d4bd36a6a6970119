/*
 * runtime/instance.c — instantiation (Wasm 2.0 §4.5.4): resolve imports,
 * allocate functions, tables, memories and globals, run the element and
 * data segments and the start function; and the embedder's API on
 * instances (calls, globals, memory access, interrupt, exit, fuel).
 */
#include "wasm_internal.h"
#include "jit/jit.h"

void wasm_instance_retain(wasm_instance *inst)
{
    inst->refcount++;
}

static void destroy(wasm_instance *inst)
{
    wasm_module *m = inst->module;
    if (inst->tables)
        for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
            wasm_table_free(inst->tables[i]);
    if (m->nmems && !m->nmem_imports)
        wasm_memory_free(inst->memory);
    if (inst->elem_refs)
        for (uint32_t i = 0; i < m->nelems; i++)
            wasm_free(inst->elem_refs[i]);
    wasm_stack_free(inst);
    wasm_jit_instance_free(inst);
    for (uint32_t i = 0; i < inst->ndeps; i++)
        wasm_instance_release(inst->deps[i]);
    wasm_free(inst->deps);
    wasm_free(inst->own_globals);
    wasm_free(inst->own_funcs);
    wasm_free(inst->globals);
    wasm_free(inst->tables);
    wasm_free(inst->funcs);
    wasm_free(inst->types);
    wasm_free(inst->elem_refs);
    wasm_free(inst->elem_sizes);
    wasm_free(inst->data_dropped);
    wasm_module_release(m);
    wasm_free(inst);
}

void wasm_instance_release(wasm_instance *inst)
{
    if (inst && --inst->refcount == 0)
        destroy(inst);
}

void wasm_instance_free(wasm_instance *inst)
{
    wasm_instance_release(inst);
}

void *wasm_instance_host_data(wasm_instance *inst)
{
    return inst->host_data;
}

/* ---- exports ---- */

bool wasm_instance_find_export(wasm_instance *inst, const char *name, uint32_t len, wasm_extern_ref *out)
{
    const wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export *ex = &m->exports[i];
        if (!wasm_name_eq(ex->name, ex->name_len, name, len))
            continue;
        wasm_memset(out, 0, sizeof(*out));
        out->kind = ex->kind;
        out->owner = inst;
        switch (ex->kind) {
        case WASM_EXTERN_FUNC: out->func = inst->funcs[ex->index]; break;
        case WASM_EXTERN_TABLE: out->table = inst->tables[ex->index]; break;
        case WASM_EXTERN_MEMORY: out->memory = inst->memory; break;
        case WASM_EXTERN_GLOBAL: out->global = inst->globals[ex->index]; break;
        }
        return true;
    }
    return false;
}

/* Whether obj (a table or global) is one of inst's own, not imported. */
static bool owns_object(wasm_instance *inst, uint8_t kind, void *obj)
{
    const wasm_module *m = inst->module;
    if (kind == WASM_EXTERN_TABLE) {
        for (uint32_t i = m->ntable_imports; i < m->ntables; i++)
            if (inst->tables[i] == obj)
                return true;
    } else {
        for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++)
            if (inst->globals[i] == obj)
                return true;
    }
    return false;
}

/* ---- instantiation ---- */

/* Limits matching for imports (§4.5.2): the provided size must be at least
 * the required minimum, and a required maximum must be honoured. */
static bool limits_match(uint64_t size, bool has_max, uint64_t max, const wasm_bounds *want)
{
    if (size < want->min)
        return false;
    if (want->has_max && (!has_max || max > want->max))
        return false;
    return true;
}

static bool add_dep(wasm_instance *inst, wasm_instance *dep)
{
    if (!dep || dep == inst)
        return true;
    for (uint32_t i = 0; i < inst->ndeps; i++)
        if (inst->deps[i] == dep)
            return true;
    wasm_instance **nd = wasm_plat_realloc(inst->deps, (inst->ndeps + 1) * sizeof(*nd));
    if (!nd)
        return false;
    inst->deps = nd;
    inst->deps[inst->ndeps++] = dep;
    wasm_instance_retain(dep);
    return true;
}

/* Resolves every import through the linker (§4.5.4 steps 1-4). */
static wasm_result resolve_imports(wasm_instance *inst, const wasm_linker *l, wasm_error *err)
{
    wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import *im = &m->imports[i];
        wasm_extern_ref ext;
        if (!wasm_linker_resolve(l, im, &ext)) {
            wasm_error_set(err, WASM_ERR_UNLINKABLE, "unknown import \"%s\".\"%s\"", im->module, im->name);
            return WASM_ERR_UNLINKABLE;
        }
        bool ok = ext.kind == im->kind;
        if (ok) {
            switch (im->kind) {
            case WASM_EXTERN_FUNC: {
                const wasm_functype *want = m->funcs[im->index].type;
                if (ext.func) {
                    ok = wasm_functype_equal(ext.func->type, want) &&
                         (!ext.func->code || ext.func->inst->module->checked == m->checked);
                    inst->funcs[im->index] = ext.func;
                } else {
                    ok = wasm_functype_equal(ext.host_type, want);
                    wasm_funcinst *f = &inst->own_funcs[im->index];
                    f->type = want;
                    f->host = ext.host;
                    f->env = ext.env;
                    inst->funcs[im->index] = f;
                }
                break;
            }
            case WASM_EXTERN_TABLE: {
                const wasm_tabletype *want = &m->tables[im->index];
                wasm_table *t = ext.table;
                ok = t->reftype == want->reftype && limits_match(t->size, t->has_max, t->max, &want->lim);
                inst->tables[im->index] = t;
                break;
            }
            case WASM_EXTERN_MEMORY: {
                wasm_memory *mem = ext.memory;
                ok = limits_match(mem->pages, mem->has_max, mem->max_pages, &m->mems[im->index]) &&
                     mem->guarded == !m->checked;
                inst->memory = mem;
                break;
            }
            case WASM_EXTERN_GLOBAL: {
                const wasm_globaltype *want = &m->globals[im->index].type;
                ok = ext.global->type == want->type && ext.global->mutable_ == want->mutable_;
                inst->globals[im->index] = ext.global;
                break;
            }
            }
        }
        if (!ok) {
            wasm_error_set(err, WASM_ERR_UNLINKABLE, "incompatible import type for \"%s\".\"%s\"",
                           im->module, im->name);
            return WASM_ERR_UNLINKABLE;
        }
        if (!add_dep(inst, ext.owner)) {
            wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
            return WASM_ERR_NOMEM;
        }
    }
    return WASM_OK;
}

/* The value of a constant expression (§4.4.10). */
static void eval_const(wasm_instance *inst, const wasm_constexpr *ce, uint64_t out[2])
{
    out[0] = out[1] = 0;
    switch (ce->kind) {
    case WASM_CE_CONST:
        out[0] = ce->bits[0];
        out[1] = ce->bits[1];
        break;
    case WASM_CE_GLOBAL:
        out[0] = inst->globals[ce->index]->bits[0];
        out[1] = inst->globals[ce->index]->bits[1];
        break;
    case WASM_CE_REF_FUNC:
        out[0] = (uint64_t)(uintptr_t)inst->funcs[ce->index];
        break;
    }
}

/* Allocates the module's own functions, tables, memory and globals. */
static wasm_result allocate(wasm_instance *inst, wasm_error *err)
{
    wasm_module *m = inst->module;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        wasm_funcinst *f = &inst->own_funcs[i];
        f->type = m->funcs[i].type;
        f->inst = inst;
        f->code = m->funcs[i].code;
        f->ops = f->code->ops;
        f->frame_slots = f->code->frame_slots;
        f->param_slots = f->code->param_slots;
        f->local_slots = f->code->local_slots;
        f->zero1 = f->code->zero1;
        inst->funcs[i] = f;
    }
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        const wasm_tabletype *tt = &m->tables[i];
        if (tt->lim.min > inst->max_table_elements) {
            wasm_error_set(err, WASM_ERR_LIMIT, "table %u: %llu elements exceed the limit of %u", i,
                           (unsigned long long)tt->lim.min, inst->max_table_elements);
            return WASM_ERR_LIMIT;
        }
        uint32_t max = tt->lim.has_max ? (uint32_t)tt->lim.max : UINT32_MAX;
        inst->tables[i] = wasm_table_new(tt->reftype, (uint32_t)tt->lim.min, max, NULL);
        if (!inst->tables[i]) {
            wasm_error_set(err, WASM_ERR_NOMEM, "cannot allocate table %u", i);
            return WASM_ERR_NOMEM;
        }
        inst->tables[i]->has_max = tt->lim.has_max;
    }
    if (m->nmems && !m->nmem_imports) {
        const wasm_bounds *lim = &m->mems[0];
        if (lim->min > inst->max_memory_pages) {
            wasm_error_set(err, WASM_ERR_LIMIT, "memory of %llu pages exceeds the limit of %u pages",
                           (unsigned long long)lim->min, inst->max_memory_pages);
            return WASM_ERR_LIMIT;
        }
        uint32_t max = lim->has_max ? (uint32_t)lim->max : WASM_MAX_PAGES;
        inst->memory = wasm_memory_new((uint32_t)lim->min, max, m->checked);
        if (!inst->memory) {
            wasm_error_set(err, WASM_ERR_NOMEM, "cannot allocate linear memory");
            return WASM_ERR_NOMEM;
        }
        inst->memory->has_max = lim->has_max;
    }
    uint32_t nown = m->nglobals - m->nglobal_imports;
    inst->own_globals = wasm_zalloc(sizeof(wasm_global) * (nown ? nown : 1));
    if (!inst->own_globals) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
        return WASM_ERR_NOMEM;
    }
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wasm_global *g = &inst->own_globals[i - m->nglobal_imports];
        g->type = m->globals[i].type.type;
        g->mutable_ = m->globals[i].type.mutable_;
        eval_const(inst, &m->globals[i].init, g->bits);
        inst->globals[i] = g;
    }
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *e = &m->elems[i];
        inst->elem_refs[i] = wasm_plat_alloc(sizeof(void *) * (e->count ? e->count : 1));
        if (!inst->elem_refs[i]) {
            wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
            return WASM_ERR_NOMEM;
        }
        for (uint32_t k = 0; k < e->count; k++) {
            uint64_t v[2];
            eval_const(inst, &e->items[k], v);
            inst->elem_refs[i][k] = (void *)(uintptr_t)v[0];
        }
        inst->elem_sizes[i] = e->count;
    }
    return WASM_OK;
}

/* Active and declarative segments, then start (§4.5.4 steps 13-15). */
static wasm_result initialize(wasm_instance *inst, wasm_error *err)
{
    wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem *e = &m->elems[i];
        if (e->mode == WASM_SEG_ACTIVE) {
            uint64_t off[2];
            eval_const(inst, &e->offset, off);
            wasm_trap trap = wasm_op_table_init(inst, e->table, i, (uint32_t)off[0], 0, e->count);
            if (trap) {
                wasm_error_trap(err, trap);
                return WASM_ERR_TRAP;
            }
        }
        if (e->mode != WASM_SEG_PASSIVE)
            inst->elem_sizes[i] = 0;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data *d = &m->datas[i];
        if (d->mode != WASM_SEG_ACTIVE)
            continue;
        uint64_t off[2];
        eval_const(inst, &d->offset, off);
        wasm_trap trap = wasm_op_memory_init(inst, i, (uint32_t)off[0], 0, d->size);
        if (trap) {
            wasm_error_trap(err, trap);
            return WASM_ERR_TRAP;
        }
        inst->data_dropped[i] = 1;
    }
    if (m->has_start) {
        uint64_t slots[1] = { 0 };
        wasm_result r = wasm_invoke(inst, inst->funcs[m->start], slots, 1, err);
        if (r != WASM_OK)
            return r;
    }
    return WASM_OK;
}

/* The instance (inst or one it imports from, transitively) that owns obj. */
static wasm_instance *find_owner(wasm_instance *inst, uint8_t kind, void *obj, int depth)
{
    if (owns_object(inst, kind, obj))
        return inst;
    for (uint32_t i = 0; depth < 16 && i < inst->ndeps; i++) {
        wasm_instance *o = find_owner(inst->deps[i], kind, obj, depth + 1);
        if (o)
            return o;
    }
    return NULL;
}

/*
 * Instantiation trapped after segments or the start function may have put
 * references to this instance's functions into imported tables or globals
 * (§4.5.4: those writes stay). The instances owning those tables and
 * globals keep it alive from now on; it stops holding a direct owner so that
 * no cycle forms. If nothing adopts it, it is freed.
 */
static void adopt_failed(wasm_instance *inst)
{
    wasm_module *m = inst->module;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const wasm_import *im = &m->imports[i];
        void *obj;
        if (im->kind == WASM_EXTERN_TABLE)
            obj = inst->tables[im->index];
        else if (im->kind == WASM_EXTERN_GLOBAL && m->globals[im->index].type.mutable_ &&
                 wasm_is_ref(m->globals[im->index].type.type))
            obj = inst->globals[im->index];
        else
            continue;
        wasm_instance *owner = NULL;
        for (uint32_t k = 0; !owner && k < inst->ndeps; k++)
            owner = find_owner(inst->deps[k], im->kind, obj, 0);
        if (!owner || !add_dep(owner, inst))
            continue;
        for (uint32_t k = 0; k < inst->ndeps; k++) {
            if (inst->deps[k] == owner) {
                inst->deps[k] = inst->deps[--inst->ndeps];
                wasm_instance_release(owner);
                break;
            }
        }
    }
    wasm_instance_release(inst);
}

wasm_instance *wasm_instantiate(wasm_module *m, wasm_linker *l, const wasm_limits *limits,
                                void *host_data, wasm_error *err)
{
    if (err)
        wasm_error_set(err, WASM_OK, "ok");
    wasm_instance *inst = wasm_zalloc(sizeof(*inst));
    if (!inst) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
        return NULL;
    }
    inst->module = m;
    m->refcount++;
    inst->refcount = 1;
    inst->host_data = host_data;
    wasm_limits lim = { 0, 0, 0, 0 };
    if (limits)
        lim = *limits;
    inst->max_memory_pages = lim.max_memory_pages && lim.max_memory_pages < WASM_MAX_PAGES
                                 ? lim.max_memory_pages : WASM_MAX_PAGES;
    inst->max_table_elements = lim.max_table_elements ? lim.max_table_elements : WASM_DEFAULT_TABLE_MAX;
    inst->max_call_depth = lim.max_call_depth ? lim.max_call_depth : WASM_DEFAULT_CALL_DEPTH;
    inst->fuel_limited = lim.fuel != 0;
    inst->fuel = lim.fuel == 0 || lim.fuel > INT64_MAX ? INT64_MAX : (int64_t)lim.fuel;

    inst->funcs = wasm_zalloc(sizeof(void *) * (m->nfuncs ? m->nfuncs : 1));
    inst->own_funcs = wasm_zalloc(sizeof(wasm_funcinst) * (m->nfuncs ? m->nfuncs : 1));
    inst->tables = wasm_zalloc(sizeof(void *) * (m->ntables ? m->ntables : 1));
    inst->globals = wasm_zalloc(sizeof(void *) * (m->nglobals ? m->nglobals : 1));
    inst->types = wasm_zalloc(sizeof(void *) * (m->ntypes ? m->ntypes : 1));
    inst->elem_refs = wasm_zalloc(sizeof(void *) * (m->nelems ? m->nelems : 1));
    inst->elem_sizes = wasm_zalloc(sizeof(uint32_t) * (m->nelems ? m->nelems : 1));
    inst->data_dropped = wasm_zalloc(m->ndatas ? m->ndatas : 1);
    wasm_result r = WASM_OK;
    if (!inst->funcs || !inst->own_funcs || !inst->tables || !inst->globals || !inst->types ||
        !inst->elem_refs || !inst->elem_sizes || !inst->data_dropped) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
        r = WASM_ERR_NOMEM;
    }
    for (uint32_t i = 0; r == WASM_OK && i < m->ntypes; i++)
        inst->types[i] = &m->types[m->type_canon[i]];
    if (r == WASM_OK)
        r = resolve_imports(inst, l, err);
    if (r == WASM_OK)
        r = allocate(inst, err);
    if (r == WASM_OK && !wasm_jit_instance_init(inst)) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
        r = WASM_ERR_NOMEM;
    }
    /* A compiled module whose instance is interpreted all the same (no
     * fuel-metered code): its interpreter code is needed now. */
    if (r == WASM_OK && !inst->jit && m->jit && !wasm_module_prepare_interp(m)) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory for the interpreter code");
        r = WASM_ERR_NOMEM;
    }
    if (r == WASM_OK)
        r = initialize(inst, err);
    if (r == WASM_ERR_TRAP || r == WASM_ERR_EXIT)
        adopt_failed(inst);
    else if (r != WASM_OK)
        destroy(inst);
    if (r != WASM_OK)
        return NULL;
    return inst;
}

/* ---- calls and values ---- */

static void pack(const wasm_value *v, uint8_t type, uint64_t *slot)
{
    switch (type) {
    case WASM_I32: slot[0] = v->of.i32; break;
    case WASM_F32: slot[0] = v->of.f32; break;
    case WASM_I64: slot[0] = v->of.i64; break;
    case WASM_F64: slot[0] = v->of.f64; break;
    case WASM_V128: wasm_memcpy(slot, v->of.v128, 16); break;
    default: slot[0] = (uint64_t)(uintptr_t)v->of.ref; break;
    }
}

static void unpack(const uint64_t *slot, uint8_t type, wasm_value *v)
{
    wasm_memset(v, 0, sizeof(*v));
    v->type = (wasm_valtype)type;
    switch (type) {
    case WASM_I32: v->of.i32 = (uint32_t)slot[0]; break;
    case WASM_F32: v->of.f32 = (uint32_t)slot[0]; break;
    case WASM_I64: v->of.i64 = slot[0]; break;
    case WASM_F64: v->of.f64 = slot[0]; break;
    case WASM_V128: wasm_memcpy(v->of.v128, slot, 16); break;
    default: v->of.ref = (void *)(uintptr_t)slot[0]; break;
    }
}

wasm_func *wasm_instance_export_func(wasm_instance *inst, const char *name, size_t name_len)
{
    wasm_extern_ref ext;
    if (!inst || !name || name_len > UINT32_MAX ||
        !wasm_instance_find_export(inst, name, (uint32_t)name_len, &ext) || ext.kind != WASM_EXTERN_FUNC)
        return NULL;
    return ext.func;
}

wasm_result wasm_call(wasm_instance *inst, const char *export_name, const wasm_value *args, size_t nargs,
                      wasm_value *results, size_t nresults, wasm_error *err)
{
    wasm_func *f = export_name ? wasm_instance_export_func(inst, export_name, wasm_strlen(export_name)) : NULL;
    if (!f) {
        wasm_error_set(err, WASM_ERR_NOT_FOUND, "no exported function \"%s\"", export_name ? export_name : "");
        return WASM_ERR_NOT_FOUND;
    }
    return wasm_call_func(inst, f, args, nargs, results, nresults, err);
}

wasm_result wasm_call_func(wasm_instance *inst, wasm_func *f, const wasm_value *args, size_t nargs,
                           wasm_value *results, size_t nresults, wasm_error *err)
{
    if (!inst || !f) {
        wasm_error_set(err, WASM_ERR_ARGS, "no function");
        return WASM_ERR_ARGS;
    }
    const wasm_functype *ft = f->type;
    if (nargs != ft->nparams || nresults != ft->nresults) {
        wasm_error_set(err, WASM_ERR_ARGS, "the function takes %u argument(s) and returns %u result(s)",
                       ft->nparams, ft->nresults);
        return WASM_ERR_ARGS;
    }
    for (size_t i = 0; i < nargs; i++) {
        if ((uint8_t)args[i].type != ft->params[i]) {
            wasm_error_set(err, WASM_ERR_ARGS, "argument %zu must be %s", i, wasm_type_name(ft->params[i]));
            return WASM_ERR_ARGS;
        }
    }
    uint64_t buf[64];
    size_t nslots = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    uint64_t *slots = nslots <= 64 ? buf : wasm_plat_alloc(nslots * sizeof(uint64_t));
    if (!slots) {
        wasm_error_set(err, WASM_ERR_NOMEM, "out of memory");
        return WASM_ERR_NOMEM;
    }
    uint64_t *s = slots;
    for (size_t i = 0; i < nargs; i++) {
        pack(&args[i], ft->params[i], s);
        s += wasm_slots(ft->params[i]);
    }
    wasm_result r = wasm_invoke(inst, f, slots, nslots ? nslots : 1, err);
    if (r == WASM_OK) {
        s = slots;
        for (size_t i = 0; i < nresults; i++) {
            unpack(s, ft->results[i], &results[i]);
            s += wasm_slots(ft->results[i]);
        }
        if (err)
            wasm_error_set(err, WASM_OK, "ok");
    }
    if (slots != buf)
        wasm_free(slots);
    return r;
}

wasm_result wasm_global_get(wasm_instance *inst, const char *export_name, wasm_value *out)
{
    wasm_extern_ref ext;
    if (!wasm_instance_find_export(inst, export_name, (uint32_t)wasm_strlen(export_name), &ext) ||
        ext.kind != WASM_EXTERN_GLOBAL)
        return WASM_ERR_NOT_FOUND;
    unpack(ext.global->bits, ext.global->type, out);
    return WASM_OK;
}

uint8_t *wasm_memory_base(wasm_instance *inst)
{
    return inst->memory ? inst->memory->base : NULL;
}

uint64_t wasm_memory_size(wasm_instance *inst)
{
    return inst->memory ? inst->memory->size : 0;
}

bool wasm_memory_check(wasm_instance *inst, uint64_t offset, uint64_t len)
{
    uint64_t size = wasm_memory_size(inst);
    return offset <= size && len <= size - offset;
}

void wasm_instance_interrupt(wasm_instance *inst)
{
    __atomic_store_n(&inst->interrupt, 1, __ATOMIC_RELAXED);
    wasm_jit_interrupt(inst);
}

void wasm_instance_exit(wasm_instance *inst, int exit_code)
{
    inst->exit_code = exit_code;
    inst->exiting = true;
}

uint64_t wasm_instance_fuel(wasm_instance *inst)
{
    if (!inst->fuel_limited)
        return UINT64_MAX;
    return inst->fuel > 0 ? (uint64_t)inst->fuel : 0;
}
