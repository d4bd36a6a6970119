/*
 * runtime/jit/jit_scan.c — the first, quick pass over a validated function
 * body: local types, how often each local is used (weighted by loop depth),
 * whether the function calls anything, and how big its outgoing call area
 * must be. From that it pins the most used locals to registers and lays out
 * the frame:
 *
 *   rsp + 0             outgoing arguments/results of calls
 *   rsp + out_size      one slot per local (the home of unpinned locals and
 *                       the save slot of pinned ones around calls)
 *   rsp + spill_base    one slot per operand-stack position
 *   ...                 pushed callee-saved registers, return address
 */
#include "jit_internal.h"
#include "../reader.h"

uint32_t jit_read_u32(jit_compiler *c)
{
    uint32_t v = 0;
    unsigned shift = 0;
    while (c->p < c->end) {
        uint8_t b = *c->p++;
        v |= (uint32_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    return v;
}

int64_t jit_read_sleb(jit_compiler *c)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b = 0;
    while (c->p < c->end) {
        b = *c->p++;
        if (shift < 64)
            v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    return (int64_t)v;
}

static const uint8_t single_types[256] = {
    [WASM_I32] = WASM_I32, [WASM_I64] = WASM_I64, [WASM_F32] = WASM_F32, [WASM_F64] = WASM_F64,
    [WASM_V128] = WASM_V128, [WASM_FUNCREF] = WASM_FUNCREF, [WASM_EXTERNREF] = WASM_EXTERNREF,
};

void jit_read_blocktype(jit_compiler *c, uint32_t *np, const uint8_t **p, uint32_t *nr, const uint8_t **r)
{
    *np = *nr = 0;
    *p = *r = NULL;
    if (c->p >= c->end)
        return;
    uint8_t b = *c->p;
    if (b == 0x40) {
        c->p++;
    } else if (wasm_is_valtype(b)) {
        c->p++;
        *nr = 1;
        *r = &single_types[b];
    } else {
        int64_t x = jit_read_sleb(c);
        if (x < 0 || (uint64_t)x >= c->m->ntypes) {
            jit_fail(c, "bad block type");
            return;
        }
        const wasm_functype *ft = &c->m->types[x];
        *np = ft->nparams;
        *p = ft->params;
        *nr = ft->nresults;
        *r = ft->results;
    }
}

/* Registers for pinned locals, in preference order. */
static const uint8_t pins_leaf[] = { X64_RSI, X64_RDI, X64_R8, X64_R9, X64_RBX, X64_RBP, X64_R12, X64_R13 };
static const uint8_t pins_calls[] = { X64_RBX, X64_RBP, X64_R12, X64_R13, X64_RSI, X64_RDI, X64_R8, X64_R9 };
static const uint8_t xmm_pins[] = { 6, 7, 8, 9, 10, 11, 12, 13, 14 };

/* Reads the local declarations (§5.5.13) after the parameters. */
static bool read_locals(jit_compiler *c)
{
    const wasm_functype *ft = c->ftype;
    uint32_t groups = jit_read_u32(c);
    uint64_t total = ft->nparams;
    const uint8_t *save = c->p;
    for (uint32_t g = 0; g < groups; g++) {
        total += jit_read_u32(c);
        c->p++;
    }
    if (total > 100000) {
        jit_fail(c, "too many locals");
        return false;
    }
    c->p = save;
    if (!wasm_grow_array((void **)&c->locals, &c->cap_locals, (uint32_t)total + 1, sizeof(jit_local))) {
        jit_fail(c, "out of memory");
        return false;
    }
    c->nlocals = 0;
    for (uint32_t i = 0; i < ft->nparams; i++)
        c->locals[c->nlocals++].type = ft->params[i];
    for (uint32_t g = 0; g < groups; g++) {
        uint32_t n = jit_read_u32(c);
        uint8_t t = *c->p++;
        for (uint32_t k = 0; k < n; k++)
            c->locals[c->nlocals++].type = t;
    }
    for (uint32_t i = 0; i < c->nlocals; i++) {
        c->locals[i].reg = X64_NOREG;
        c->locals[i].weight = 0;
        c->locals[i].refs = 0;
    }
    return true;
}

/* Adds a use of local i at loop depth d. */
static void use_local(jit_compiler *c, uint32_t i, uint32_t d)
{
    if (i < c->nlocals) {
        uint32_t w = 1u << (3 * (d > 6 ? 6 : d));
        c->locals[i].weight = c->locals[i].weight + w < c->locals[i].weight ? UINT32_MAX : c->locals[i].weight + w;
    }
}

static void need_out(jit_compiler *c, uint32_t type_index)
{
    const jit_sig *s = jit_sig_of(c, type_index);
    if (s && s->stack_bytes > c->out_size)
        c->out_size = s->stack_bytes;
}

/* Walks the body once (it is valid: only immediates need decoding). */
static void walk(jit_compiler *c)
{
    /* loop depth per open block: a small stack of "is loop" bits */
    uint32_t depth = 0, loops = 0;
    uint8_t kinds[256];
    uint32_t overflow = 0;
    wasm_reader r = { c->p, c->p, c->end, NULL, "jit scan", false };
    while (c->p < c->end) {
        uint8_t op = *c->p++;
        switch (op) {
        case 0x02: case 0x03: case 0x04: {
            uint32_t np, nr;
            const uint8_t *pp, *rr;
            jit_read_blocktype(c, &np, &pp, &nr, &rr);
            if (depth < sizeof(kinds))
                kinds[depth] = op == 0x03;
            else
                overflow++;
            depth++;
            if (op == 0x03)
                loops++;
            continue;
        }
        case 0x0B:
            if (depth == 0)
                return;
            depth--;
            if (depth < sizeof(kinds)) {
                if (kinds[depth])
                    loops--;
            } else {
                overflow--;
            }
            continue;
        case 0x20: case 0x21: case 0x22:
            use_local(c, jit_read_u32(c), loops);
            continue;
        case 0x10: {
            uint32_t f = jit_read_u32(c);
            c->has_calls = true;
            if (f < c->m->nfuncs)
                need_out(c, c->m->type_canon[c->m->funcs[f].type_index]);
            continue;
        }
        case 0x11: {
            uint32_t t = jit_read_u32(c);
            jit_read_u32(c);
            c->has_calls = true;
            if (t < c->m->ntypes)
                need_out(c, c->m->type_canon[t]);
            continue;
        }
        case 0x40:          /* memory.grow calls a helper */
            c->has_calls = true;
            break;
        case 0xFC: {
            const uint8_t *save = c->p;
            uint32_t sub = jit_read_u32(c);
            c->p = save;
            if (sub >= 8)   /* bulk memory and table operations call helpers */
                c->has_calls = true;
            break;
        }
        default:
            break;
        }
        r.p = c->p;
        uint32_t d = 0;
        wasm_scan_instr(&r, c->m, op, &d);
        if (r.failed) {
            jit_fail(c, "cannot decode body");
            return;
        }
        c->p = r.p;
    }
}

/* Chooses pinned registers: the heaviest locals first. */
static void pin_locals(jit_compiler *c)
{
    const uint8_t *gorder = c->has_calls ? pins_calls : pins_leaf;
    unsigned ngpr = 0, nxmm = 0;
    c->pinned_saved_gprs = 0;
    for (;;) {
        uint32_t best = UINT32_MAX, w = 1;
        for (uint32_t i = 0; i < c->nlocals; i++) {
            const jit_local *l = &c->locals[i];
            if (l->reg != X64_NOREG || l->weight <= w)
                continue;
            bool x = jit_is_float_class(l->type);
            if ((x && nxmm >= sizeof(xmm_pins)) || (!x && ngpr >= sizeof(pins_leaf)))
                continue;
            best = i;
            w = l->weight;
        }
        if (best == UINT32_MAX)
            break;
        jit_local *l = &c->locals[best];
        if (jit_is_float_class(l->type)) {
            l->reg = xmm_pins[nxmm++];
        } else {
            l->reg = gorder[ngpr++];
            if (l->reg == X64_RBX || l->reg == X64_RBP || l->reg == X64_R12 || l->reg == X64_R13)
                c->pinned_saved_gprs |= 1u << l->reg;
        }
    }
}

bool jit_scan_function(jit_compiler *c, const uint8_t *body, const uint8_t *end)
{
    c->p = body;
    c->end = end;
    c->has_calls = false;
    c->out_size = 0;
    if (!read_locals(c))
        return false;
    const uint8_t *code = c->p;
    walk(c);
    if (c->failed)
        return false;
    c->p = code;
    pin_locals(c);
    /* frame: outgoing area, then a slot per local */
    uint32_t off = c->out_size;
    for (uint32_t i = 0; i < c->nlocals; i++) {
        c->locals[i].offset = off;
        off += c->locals[i].type == WASM_V128 ? 16 : 8;
    }
    c->spill_base = off;
    if (off > (64u << 20)) {
        jit_fail(c, "frame too large");
        return false;
    }
    return true;
}
