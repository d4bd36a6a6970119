/*
 * runtime/decode.c — the module-level part of loading a binary (Wasm 2.0 §5.5
 * binary format, §3.4 module validation): every section but the function
 * bodies, which translate.c validates and translates afterwards.
 *
 * Malformed input stops decoding at once. Validation errors (the module
 * decodes but is invalid) are remembered and decoding goes on, so that a
 * malformed binary is always reported as malformed, as the specification's
 * two phases (decode, then validate) would.
 */
#include "reader.h"

typedef struct decoder {
    wasm_reader r;
    wasm_module *m;
    wasm_error invalid;             /* first validation error */
    bool has_invalid;
    uint32_t nfunc_defs;            /* from the function section */
    bool have_code;
    wasm_body *bodies;
    uint32_t cap_funcs, cap_tables, cap_mems, cap_globals;
} decoder;

/* Records the first validation error, at the current offset. */
__attribute__((format(printf, 2, 3)))
static void invalid(decoder *d, const char *fmt, ...)
{
    if (d->has_invalid)
        return;
    d->has_invalid = true;
    char msg[160];
    va_list ap;
    va_start(ap, fmt);
    wasm_vfmt(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    wasm_error_set(&d->invalid, WASM_ERR_INVALID, "%s, offset 0x%x: %s", d->r.where,
                   wasm_reader_offset(&d->r), msg);
}

static void *arena(decoder *d, size_t size)
{
    void *p = wasm_arena_alloc(&d->m->arena, size);
    if (!p)
        wasm_malformed(&d->r, "out of memory");
    return p;
}

/* ---- primitive pieces ---- */

/* Checks UTF-8 well-formedness (Unicode 3.9 table 3-7: no overlongs, no
 * surrogates, nothing above U+10FFFF). */
static bool utf8_valid(const uint8_t *s, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        uint32_t len, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (uint32_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return false;
        i += len;
    }
    return true;
}

/* name ::= vec(byte), valid UTF-8 (§5.2.4). Returns a NUL-terminated copy. */
static const char *read_name(decoder *d, uint32_t *len_out)
{
    wasm_reader *r = &d->r;
    uint32_t n = wasm_read_count(r, 1);
    if (r->failed)
        return NULL;
    if (!utf8_valid(r->p, n)) {
        wasm_malformed(r, "malformed UTF-8 encoding");
        return NULL;
    }
    char *s = arena(d, (size_t)n + 1);
    if (!s)
        return NULL;
    wasm_memcpy(s, r->p, n);
    r->p += n;
    *len_out = n;
    return s;
}

static uint8_t reader_valtype(wasm_reader *r)
{
    uint8_t t = wasm_read_u8(r);
    if (!r->failed && !wasm_is_valtype(t))
        wasm_malformed(r, "malformed value type 0x%x", t);
    return t;
}

static uint8_t read_valtype(decoder *d)
{
    return reader_valtype(&d->r);
}

static uint8_t read_reftype(decoder *d)
{
    uint8_t t = wasm_read_u8(&d->r);
    if (!d->r.failed && !wasm_is_ref(t))
        wasm_malformed(&d->r, "malformed reference type 0x%x", t);
    return t;
}

/* limits ::= 0x00 min | 0x01 min max (§5.3.7), u32 bounds. */
static void read_limits(decoder *d, wasm_bounds *lim)
{
    wasm_reader *r = &d->r;
    uint8_t flag = wasm_read_u8(r);
    if (r->failed)
        return;
    if (flag > 1) {
        wasm_malformed(r, "integer too large (limits flag 0x%x)", flag);
        return;
    }
    lim->min = wasm_read_u32(r);
    lim->has_max = flag == 1;
    lim->max = lim->has_max ? wasm_read_u32(r) : 0;
}

static void check_memtype(decoder *d, const wasm_bounds *lim)
{
    if (lim->min > WASM_MAX_PAGES || (lim->has_max && lim->max > WASM_MAX_PAGES))
        invalid(d, "memory size must be at most 65536 pages (4GiB)");
    else if (lim->has_max && lim->min > lim->max)
        invalid(d, "size minimum must not be greater than maximum");
}

static void check_tabletype(decoder *d, const wasm_bounds *lim)
{
    if (lim->has_max && lim->min > lim->max)
        invalid(d, "size minimum must not be greater than maximum");
}

static bool add_func(decoder *d, uint32_t type_index)
{
    wasm_module *m = d->m;
    if (!wasm_grow_array((void **)&m->funcs, &d->cap_funcs, m->nfuncs + 1, sizeof(wasm_funcdecl))) {
        wasm_malformed(&d->r, "out of memory");
        return false;
    }
    wasm_funcdecl *f = &m->funcs[m->nfuncs++];
    wasm_memset(f, 0, sizeof(*f));
    f->type_index = type_index;
    if (type_index < m->ntypes)
        f->type = &m->types[m->type_canon[type_index]];
    else
        invalid(d, "unknown type %u", type_index);
    return true;
}

static bool add_table(decoder *d, const wasm_tabletype *t)
{
    wasm_module *m = d->m;
    if (!wasm_grow_array((void **)&m->tables, &d->cap_tables, m->ntables + 1, sizeof(*t))) {
        wasm_malformed(&d->r, "out of memory");
        return false;
    }
    m->tables[m->ntables++] = *t;
    return true;
}

static bool add_memory(decoder *d, const wasm_bounds *lim)
{
    wasm_module *m = d->m;
    if (m->nmems >= 1)
        invalid(d, "multiple memories");
    if (!wasm_grow_array((void **)&m->mems, &d->cap_mems, m->nmems + 1, sizeof(*lim))) {
        wasm_malformed(&d->r, "out of memory");
        return false;
    }
    m->mems[m->nmems++] = *lim;
    return true;
}

static bool add_global(decoder *d, const wasm_globaldecl *g)
{
    wasm_module *m = d->m;
    if (!wasm_grow_array((void **)&m->globals, &d->cap_globals, m->nglobals + 1, sizeof(*g))) {
        wasm_malformed(&d->r, "out of memory");
        return false;
    }
    m->globals[m->nglobals++] = *g;
    return true;
}

/* Adds func to C.refs, the functions ref.func may name (§3.4.10). */
static void declare_ref(decoder *d, uint32_t func)
{
    wasm_module *m = d->m;
    if (!m->declared_refs)
        m->declared_refs = arena(d, (m->nfuncs + 7) / 8 + 1);
    if (m->declared_refs && func < m->nfuncs)
        m->declared_refs[func / 8] |= (uint8_t)(1u << (func % 8));
}

/*
 * A constant expression (§3.3.10, §5.4.9): in Wasm 2.0 one of t.const,
 * ref.null, ref.func, or global.get of an immutable imported global, then
 * `end`. Fills *ce and checks the result type against `expected`.
 */
static void read_constexpr(decoder *d, wasm_constexpr *ce, uint8_t expected)
{
    wasm_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t count = 0;
    bool bad = false;
    wasm_memset(ce, 0, sizeof(*ce));
    for (;;) {
        uint8_t op = wasm_read_u8(r);
        if (r->failed)
            return;
        if (op == 0x0B)
            break;
        wasm_constexpr cur = { 0 };
        switch (op) {
        case 0x41:
            cur.kind = WASM_CE_CONST;
            cur.type = WASM_I32;
            cur.bits[0] = (uint32_t)(int32_t)wasm_read_sleb(r, 32);
            break;
        case 0x42:
            cur.kind = WASM_CE_CONST;
            cur.type = WASM_I64;
            cur.bits[0] = (uint64_t)wasm_read_sleb(r, 64);
            break;
        case 0x43:
            cur.kind = WASM_CE_CONST;
            cur.type = WASM_F32;
            cur.bits[0] = wasm_read_fixed32(r);
            break;
        case 0x44:
            cur.kind = WASM_CE_CONST;
            cur.type = WASM_F64;
            cur.bits[0] = wasm_read_fixed64(r);
            break;
        case 0xFD: {
            uint32_t sub = wasm_read_u32(r);
            if (r->failed)
                return;
            if (sub != 12) {
                invalid(d, "constant expression required");
                return;
            }
            cur.kind = WASM_CE_CONST;
            cur.type = WASM_V128;
            cur.bits[0] = wasm_read_fixed64(r);
            cur.bits[1] = wasm_read_fixed64(r);
            break;
        }
        case 0xD0:
            cur.kind = WASM_CE_REF_NULL;
            cur.type = read_reftype(d);
            break;
        case 0xD2:
            cur.kind = WASM_CE_REF_FUNC;
            cur.type = WASM_FUNCREF;
            cur.index = wasm_read_u32(r);
            if (!r->failed && cur.index >= m->nfuncs)
                invalid(d, "unknown function %u", cur.index);
            break;
        case 0x23:
            cur.kind = WASM_CE_GLOBAL;
            cur.index = wasm_read_u32(r);
            if (r->failed)
                return;
            if (cur.index >= m->nglobal_imports) {
                invalid(d, "unknown global %u", cur.index);
                cur.type = expected;
            } else {
                cur.type = m->globals[cur.index].type.type;
                if (m->globals[cur.index].type.mutable_)
                    invalid(d, "constant expression required");
            }
            break;
        default: {
            /* Any other instruction is not constant: invalid, but decode the
             * rest of the expression (it may still be malformed). */
            invalid(d, "constant expression required");
            uint32_t depth = 1;
            wasm_scan_instr(r, m, op, &depth);
            while (depth && !r->failed)
                wasm_scan_instr(r, m, wasm_read_u8(r), &depth);
            return;
        }
        }
        if (r->failed)
            return;
        if (count++ == 0)
            *ce = cur;
        else
            bad = true;
    }
    if (count != 1 || bad || ce->type != expected)
        invalid(d, "type mismatch in constant expression");
}

/* ---- sections ---- */

static void section_type(decoder *d)
{
    wasm_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n = wasm_read_count(r, 3);
    if (r->failed)
        return;
    m->types = arena(d, sizeof(wasm_functype) * (size_t)(n ? n : 1));
    m->type_canon = arena(d, sizeof(uint32_t) * (size_t)(n ? n : 1));
    if (!m->types || !m->type_canon)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint8_t form = wasm_read_u8(r);
        if (!r->failed && form != 0x60) {
            wasm_malformed(r, "integer representation too long (function type form 0x%x)", form);
            return;
        }
        wasm_functype *t = &m->types[i];
        t->nparams = wasm_read_count(r, 1);
        uint8_t *p = arena(d, (size_t)t->nparams + 1);
        if (!p)
            return;
        for (uint32_t k = 0; k < t->nparams; k++)
            p[k] = read_valtype(d);
        t->params = p;
        t->nresults = wasm_read_count(r, 1);
        uint8_t *q = arena(d, (size_t)t->nresults + 1);
        if (!q)
            return;
        for (uint32_t k = 0; k < t->nresults; k++)
            q[k] = read_valtype(d);
        t->results = q;
        wasm_functype_finish(t);
        m->ntypes = i + 1;
        /* Equal types share one canonical index: call_indirect compares pointers first. */
        m->type_canon[i] = i;
        for (uint32_t k = 0; k < i; k++) {
            if (m->types[k].hash == t->hash && wasm_functype_equal(&m->types[k], t)) {
                m->type_canon[i] = k;
                break;
            }
        }
    }
}

static void section_import(decoder *d)
{
    wasm_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n = wasm_read_count(r, 4);
    if (r->failed)
        return;
    m->imports = arena(d, sizeof(wasm_import) * (size_t)(n ? n : 1));
    if (!m->imports)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        wasm_import *im = &m->imports[i];
        im->module = read_name(d, &im->module_len);
        im->name = read_name(d, &im->name_len);
        im->kind = wasm_read_u8(r);
        if (r->failed)
            return;
        switch (im->kind) {
        case WASM_EXTERN_FUNC: {
            uint32_t ti = wasm_read_u32(r);
            if (r->failed)
                return;
            im->index = m->nfuncs;
            add_func(d, ti);
            m->nfunc_imports++;
            break;
        }
        case WASM_EXTERN_TABLE: {
            wasm_tabletype t;
            t.reftype = read_reftype(d);
            read_limits(d, &t.lim);
            if (r->failed)
                return;
            check_tabletype(d, &t.lim);
            im->index = m->ntables;
            add_table(d, &t);
            m->ntable_imports++;
            break;
        }
        case WASM_EXTERN_MEMORY: {
            wasm_bounds lim;
            read_limits(d, &lim);
            if (r->failed)
                return;
            check_memtype(d, &lim);
            im->index = m->nmems;
            add_memory(d, &lim);
            m->nmem_imports++;
            break;
        }
        case WASM_EXTERN_GLOBAL: {
            wasm_globaldecl g = { 0 };
            g.type.type = read_valtype(d);
            uint8_t mut = wasm_read_u8(r);
            if (r->failed)
                return;
            if (mut > 1) {
                wasm_malformed(r, "malformed mutability");
                return;
            }
            g.type.mutable_ = mut;
            im->index = m->nglobals;
            add_global(d, &g);
            m->nglobal_imports++;
            break;
        }
        default:
            wasm_malformed(r, "malformed import kind 0x%x", im->kind);
            return;
        }
        m->nimports = i + 1;
    }
}

static void section_function(decoder *d)
{
    wasm_reader *r = &d->r;
    uint32_t n = wasm_read_count(r, 1);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint32_t ti = wasm_read_u32(r);
        if (r->failed)
            return;
        if (!add_func(d, ti))
            return;
    }
    d->nfunc_defs = n;
}

static void section_table(decoder *d)
{
    wasm_reader *r = &d->r;
    uint32_t n = wasm_read_count(r, 2);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        wasm_tabletype t;
        t.reftype = read_reftype(d);
        read_limits(d, &t.lim);
        if (r->failed)
            return;
        check_tabletype(d, &t.lim);
        add_table(d, &t);
    }
}

static void section_memory(decoder *d)
{
    wasm_reader *r = &d->r;
    uint32_t n = wasm_read_count(r, 2);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        wasm_bounds lim;
        read_limits(d, &lim);
        if (r->failed)
            return;
        check_memtype(d, &lim);
        add_memory(d, &lim);
    }
}

static void section_global(decoder *d)
{
    wasm_reader *r = &d->r;
    uint32_t n = wasm_read_count(r, 3);
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        wasm_globaldecl g;
        g.type.type = read_valtype(d);
        uint8_t mut = wasm_read_u8(r);
        if (r->failed)
            return;
        if (mut > 1) {
            wasm_malformed(r, "malformed mutability");
            return;
        }
        g.type.mutable_ = mut;
        read_constexpr(d, &g.init, g.type.type);
        if (r->failed)
            return;
        if (g.init.kind == WASM_CE_REF_FUNC)
            declare_ref(d, g.init.index);
        add_global(d, &g);
    }
}

static void section_export(decoder *d)
{
    wasm_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n = wasm_read_count(r, 3);
    if (r->failed)
        return;
    m->exports = arena(d, sizeof(wasm_export) * (size_t)(n ? n : 1));
    if (!m->exports)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        wasm_export *ex = &m->exports[i];
        ex->name = read_name(d, &ex->name_len);
        ex->kind = wasm_read_u8(r);
        ex->index = wasm_read_u32(r);
        if (r->failed)
            return;
        uint32_t limit = 0;
        const char *what = "";
        switch (ex->kind) {
        case WASM_EXTERN_FUNC: limit = m->nfuncs; what = "function"; break;
        case WASM_EXTERN_TABLE: limit = m->ntables; what = "table"; break;
        case WASM_EXTERN_MEMORY: limit = m->nmems; what = "memory"; break;
        case WASM_EXTERN_GLOBAL: limit = m->nglobals; what = "global"; break;
        default:
            wasm_malformed(r, "malformed export kind 0x%x", ex->kind);
            return;
        }
        if (ex->index >= limit)
            invalid(d, "unknown %s %u", what, ex->index);
        if (ex->kind == WASM_EXTERN_FUNC)
            declare_ref(d, ex->index);
        for (uint32_t k = 0; k < i; k++) {
            if (wasm_name_eq(m->exports[k].name, m->exports[k].name_len, ex->name, ex->name_len)) {
                invalid(d, "duplicate export name");
                break;
            }
        }
        m->nexports = i + 1;
    }
}

static void section_start(decoder *d)
{
    wasm_module *m = d->m;
    m->start = wasm_read_u32(&d->r);
    if (d->r.failed)
        return;
    m->has_start = true;
    if (m->start >= m->nfuncs) {
        invalid(d, "unknown function %u", m->start);
    } else {
        const wasm_functype *t = m->funcs[m->start].type;
        if (t && (t->nparams || t->nresults))
            invalid(d, "start function must have type [] -> []");
    }
}

static void section_element(decoder *d)
{
    wasm_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n = wasm_read_count(r, 1);
    if (r->failed)
        return;
    m->elems = arena(d, sizeof(wasm_elem) * (size_t)(n ? n : 1));
    if (!m->elems)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        wasm_elem *e = &m->elems[i];
        uint32_t flags = wasm_read_u32(r);
        if (r->failed)
            return;
        if (flags > 7) {
            wasm_malformed(r, "malformed elements segment kind %u", flags);
            return;
        }
        /* bit 0: passive/declarative; bit 1: explicit table (active) or
         * declarative; bit 2: expressions instead of function indices. */
        bool exprs = flags & 4;
        e->reftype = WASM_FUNCREF;
        if (flags & 1)
            e->mode = (flags & 2) ? WASM_SEG_DECLARATIVE : WASM_SEG_PASSIVE;
        else
            e->mode = WASM_SEG_ACTIVE;
        if (e->mode == WASM_SEG_ACTIVE) {
            if (flags & 2)
                e->table = wasm_read_u32(r);
            read_constexpr(d, &e->offset, WASM_I32);
        }
        if (r->failed)
            return;
        if (flags & 3) {   /* an elemkind or reftype byte follows */
            if (exprs) {
                e->reftype = read_reftype(d);
            } else {
                uint8_t kind = wasm_read_u8(r);
                if (!r->failed && kind != 0x00) {
                    wasm_malformed(r, "malformed element kind 0x%x", kind);
                    return;
                }
            }
        }
        e->count = wasm_read_count(r, 1);
        if (r->failed)
            return;
        e->items = arena(d, sizeof(wasm_constexpr) * (size_t)(e->count ? e->count : 1));
        if (!e->items)
            return;
        for (uint32_t k = 0; k < e->count && !r->failed; k++) {
            wasm_constexpr *it = &e->items[k];
            if (exprs) {
                read_constexpr(d, it, e->reftype);
            } else {
                it->kind = WASM_CE_REF_FUNC;
                it->type = WASM_FUNCREF;
                it->index = wasm_read_u32(r);
                if (!r->failed && it->index >= m->nfuncs)
                    invalid(d, "unknown function %u", it->index);
            }
            if (it->kind == WASM_CE_REF_FUNC)
                declare_ref(d, it->index);
        }
        if (r->failed)
            return;
        if (e->mode == WASM_SEG_ACTIVE) {
            if (e->table >= m->ntables)
                invalid(d, "unknown table %u", e->table);
            else if (m->tables[e->table].reftype != e->reftype)
                invalid(d, "type mismatch: element segment of %s for table of %s",
                        wasm_type_name(e->reftype), wasm_type_name(m->tables[e->table].reftype));
        }
        m->nelems = i + 1;
    }
}

static void section_datacount(decoder *d)
{
    d->m->datacount = wasm_read_u32(&d->r);
    d->m->has_datacount = !d->r.failed;
}

static void section_code(decoder *d)
{
    wasm_reader *r = &d->r;
    uint32_t n = wasm_read_count(r, 2);
    if (r->failed)
        return;
    d->have_code = true;
    if (n != d->nfunc_defs) {
        wasm_malformed(r, "function and code section have inconsistent lengths");
        return;
    }
    d->bodies = wasm_zalloc(sizeof(wasm_body) * (size_t)(n ? n : 1));
    if (!d->bodies) {
        wasm_malformed(r, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        uint32_t size = wasm_read_count(r, 1);
        if (r->failed)
            return;
        wasm_body *b = &d->bodies[i];
        b->start = r->p;
        b->end = r->p + size;
        b->offset = wasm_reader_offset(r);
        /* Check the locals declarations here (§5.5.13); the translator
         * reads them again. */
        wasm_reader br = *r;
        br.end = b->end;
        uint32_t groups = wasm_read_count(&br, 2);
        uint64_t total = 0;
        for (uint32_t g = 0; g < groups && !br.failed; g++) {
            total += wasm_read_u32(&br);
            reader_valtype(&br);
            if (total > UINT32_MAX) {
                wasm_malformed(&br, "too many locals");
                break;
            }
        }
        if (br.failed) {
            r->failed = true;
            return;
        }
        r->p = b->end;
    }
}

static void section_data(decoder *d)
{
    wasm_reader *r = &d->r;
    wasm_module *m = d->m;
    uint32_t n = wasm_read_count(r, 1);
    if (r->failed)
        return;
    if (m->has_datacount && n != m->datacount) {
        wasm_malformed(r, "data count and data section have inconsistent lengths");
        return;
    }
    m->datas = arena(d, sizeof(wasm_data) * (size_t)(n ? n : 1));
    if (!m->datas)
        return;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        wasm_data *s = &m->datas[i];
        uint32_t flags = wasm_read_u32(r);
        if (r->failed)
            return;
        if (flags > 2) {
            wasm_malformed(r, "malformed data segment kind %u", flags);
            return;
        }
        s->mode = flags == 1 ? WASM_SEG_PASSIVE : WASM_SEG_ACTIVE;
        if (flags == 2)
            s->memory = wasm_read_u32(r);
        if (s->mode == WASM_SEG_ACTIVE)
            read_constexpr(d, &s->offset, WASM_I32);
        s->size = wasm_read_count(r, 1);
        if (r->failed)
            return;
        uint8_t *copy = arena(d, s->size ? s->size : 1);
        if (!copy)
            return;
        wasm_memcpy(copy, r->p, s->size);
        r->p += s->size;
        s->bytes = copy;
        if (s->mode == WASM_SEG_ACTIVE && s->memory >= m->nmems)
            invalid(d, "unknown memory %u", s->memory);
        m->ndatas = i + 1;
    }
}

/* Section ids in the order the binary format requires (§5.5.2). */
static int section_rank(uint8_t id)
{
    static const int8_t rank[13] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10 };
    return id <= 12 ? rank[id] : -1;
}

static const char *section_name(uint8_t id)
{
    static const char *const names[13] = {
        "custom", "type", "import", "function", "table", "memory", "global",
        "export", "start", "element", "code", "data", "data count",
    };
    return id <= 12 ? names[id] : "unknown";
}

/*
 * Decodes the whole binary into m, validating everything except function
 * bodies (whose ranges go to *bodies). Returns WASM_OK, or the first
 * malformed error, or else the first validation error.
 */
wasm_result wasm_decode_module(wasm_module *m, const uint8_t *bytes, size_t size,
                               wasm_body **bodies, wasm_error *err)
{
    decoder d;
    wasm_memset(&d, 0, sizeof(d));
    d.m = m;
    d.r.base = bytes;
    d.r.p = bytes;
    d.r.end = bytes + size;
    d.r.err = err;
    d.r.where = "header";
    wasm_reader *r = &d.r;
    *bodies = NULL;

    if (size < 4 || wasm_memcmp(bytes, "\0asm", 4) != 0) {
        wasm_malformed(r, "magic header not detected");
        return WASM_ERR_MALFORMED;
    }
    r->p += 4;
    if (size < 8 || wasm_read_fixed32(r) != 1) {
        r->failed = false;
        wasm_malformed(r, "unknown binary version");
        return WASM_ERR_MALFORMED;
    }

    int last_rank = 0;
    char where[48];
    while (!wasm_at_end(r) && !r->failed) {
        const uint8_t *id_at = r->p;
        uint8_t id = wasm_read_u8(r);
        uint32_t len = wasm_read_u32(r);
        if (r->failed)
            break;
        if (id > 12) {
            r->where = "module";
            r->p = id_at;
            wasm_malformed(r, "malformed section id %u", id);
            break;
        }
        wasm_fmt(where, sizeof(where), "section %s", section_name(id));
        r->where = where;
        if (len > (size_t)(r->end - r->p)) {
            wasm_malformed(r, "length out of bounds (section size %u)", len);
            break;
        }
        if (id != 0) {
            int rank = section_rank(id);
            if (rank <= last_rank) {
                wasm_malformed(r, "unexpected content after last section (section %s out of order)",
                               section_name(id));
                break;
            }
            last_rank = rank;
        }
        const uint8_t *outer_end = r->end;
        const uint8_t *section_end = r->p + len;
        r->end = section_end;
        switch (id) {
        case 0: {
            uint32_t nlen;
            read_name(&d, &nlen);
            r->p = section_end;
            break;
        }
        case 1: section_type(&d); break;
        case 2: section_import(&d); break;
        case 3: section_function(&d); break;
        case 4: section_table(&d); break;
        case 5: section_memory(&d); break;
        case 6: section_global(&d); break;
        case 7: section_export(&d); break;
        case 8: section_start(&d); break;
        case 9: section_element(&d); break;
        case 10: section_code(&d); break;
        case 11: section_data(&d); break;
        case 12: section_datacount(&d); break;
        }
        if (!r->failed && r->p != section_end)
            wasm_malformed(r, "section size mismatch");
        r->end = outer_end;
    }
    if (!r->failed && !m->declared_refs)
        m->declared_refs = arena(&d, (m->nfuncs + 7) / 8 + 1);
    r->where = "module";
    if (!r->failed && d.nfunc_defs && !d.have_code)
        wasm_malformed(r, "function and code section have inconsistent lengths");
    if (!r->failed && m->has_datacount && m->datacount != m->ndatas)
        wasm_malformed(r, "data count and data section have inconsistent lengths");
    if (r->failed) {
        wasm_free(d.bodies);
        return WASM_ERR_MALFORMED;
    }
    *bodies = d.bodies;
    if (d.has_invalid) {
        if (err)
            *err = d.invalid;
        return WASM_ERR_INVALID;
    }
    return WASM_OK;
}
