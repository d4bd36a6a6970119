/*
 * runtime/util.c — small freestanding helpers: a bump arena, growable
 * arrays, a printf subset for error messages, function-type helpers.
 */
#include "wasm_internal.h"

struct wasm_arena_chunk {
    wasm_arena_chunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

/* Returns size bytes, zeroed and 16-byte aligned, that live as long as the arena. */
void *wasm_arena_alloc(wasm_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (!a->head || a->used + size > a->cap) {
        size_t cap = size > 16384 ? size : 16384;
        wasm_arena_chunk *c = wasm_plat_alloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->next = a->head;
        c->size = cap;
        a->head = c;
        a->used = 0;
        a->cap = cap;
        a->total += sizeof(*c) + cap;
    }
    void *p = a->head->data + a->used;
    a->used += size;
    wasm_memset(p, 0, size);
    return p;
}

void wasm_arena_free(wasm_arena *a)
{
    wasm_arena_chunk *c = a->head;
    while (c) {
        wasm_arena_chunk *next = c->next;
        wasm_plat_free(c);
        c = next;
    }
    a->head = NULL;
    a->used = a->cap = a->total = 0;
}

void *wasm_zalloc(size_t size)
{
    void *p = wasm_plat_alloc(size ? size : 1);
    if (p)
        wasm_memset(p, 0, size);
    return p;
}

/* Grows *buf to at least `need` elements (doubling). False when out of memory. */
bool wasm_grow_array_slow(void **buf, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint64_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    if (ncap > UINT32_MAX)
        ncap = UINT32_MAX;
    if (ncap * elem > (uint64_t)SIZE_MAX / 2)
        return false;
    void *nb = wasm_plat_realloc(*buf, (size_t)(ncap * elem));
    if (!nb)
        return false;
    *buf = nb;
    *cap = (uint32_t)ncap;
    return true;
}

size_t wasm_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

bool wasm_name_eq(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
    return alen == blen && wasm_memcmp(a, b, alen) == 0;
}

/* ---- formatting ---- */

typedef struct fmt_out {
    char *buf;
    size_t size, len;
} fmt_out;

static void out_char(fmt_out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void out_num(fmt_out *o, uint64_t v, unsigned base, bool neg, int width, char pad)
{
    char tmp[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg)
        tmp[n++] = '-';
    for (int i = n; i < width; i++)
        out_char(o, pad);
    while (n)
        out_char(o, tmp[--n]);
}

/* A printf subset, enough for error messages; returns the full length. */
int wasm_vfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
    fmt_out o = { buf, size, 0 };
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            out_char(&o, *p);
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0, prec = -1, lng = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        if (*p == '.' && p[1] == '*') {
            prec = va_arg(ap, int);
            p += 2;
        }
        while (*p == 'l') {
            lng++;
            p++;
        }
        if (*p == 'z') {
            lng = 2;
            p++;
        }
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            for (int i = 0; s[i] && (prec < 0 || i < prec); i++)
                out_char(&o, s[i]);
            break;
        }
        case 'c':
            out_char(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = lng ? va_arg(ap, long long) : va_arg(ap, int);
            out_num(&o, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, 10, v < 0, width, pad);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            out_num(&o, v, *p == 'x' ? 16 : 10, false, width, pad);
            break;
        }
        case 'p':
            out_char(&o, '0');
            out_char(&o, 'x');
            out_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, 0, ' ');
            break;
        case '%':
            out_char(&o, '%');
            break;
        default:
            out_char(&o, '?');
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = 0;
    return (int)o.len;
}

int wasm_fmt(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = wasm_vfmt(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

void wasm_error_set(wasm_error *err, wasm_result r, const char *fmt, ...)
{
    if (!err)
        return;
    err->result = r;
    err->trap = WASM_TRAP_NONE;
    err->exit_code = 0;
    va_list ap;
    va_start(ap, fmt);
    wasm_vfmt(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

void wasm_error_trap(wasm_error *err, wasm_trap trap)
{
    if (!err)
        return;
    err->result = WASM_ERR_TRAP;
    err->trap = trap;
    err->exit_code = 0;
    wasm_fmt(err->message, sizeof(err->message), "trap: %s", wasm_trap_message(trap));
}

/* The specification's wording for each trap (as the reference interpreter prints it). */
const char *wasm_trap_message(wasm_trap trap)
{
    switch (trap) {
    case WASM_TRAP_NONE: return "no trap";
    case WASM_TRAP_UNREACHABLE: return "unreachable";
    case WASM_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WASM_TRAP_TABLE_OOB: return "out of bounds table access";
    case WASM_TRAP_INDIRECT_NULL: return "uninitialized element";
    case WASM_TRAP_SIGNATURE: return "indirect call type mismatch";
    case WASM_TRAP_DIV_ZERO: return "integer divide by zero";
    case WASM_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_TRAP_BAD_CONVERSION: return "invalid conversion to integer";
    case WASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WASM_TRAP_OUT_OF_FUEL: return "out of fuel";
    case WASM_TRAP_INTERRUPTED: return "interrupted";
    case WASM_TRAP_HOST: return "host function failed";
    }
    return "unknown trap";
}

const char *wasm_type_name(uint8_t t)
{
    switch (t) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    case WASM_V128: return "v128";
    case WASM_FUNCREF: return "funcref";
    case WASM_EXTERNREF: return "externref";
    case WASM_T_UNKNOWN: return "unknown";
    }
    return "?";
}

/* ---- function types ---- */

bool wasm_functype_equal(const wasm_functype *a, const wasm_functype *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           wasm_memcmp(a->params, b->params, a->nparams) == 0 &&
           wasm_memcmp(a->results, b->results, a->nresults) == 0;
}

void wasm_functype_finish(wasm_functype *t)
{
    uint32_t h = 2166136261u;   /* FNV-1a over both lists */
    t->param_slots = t->result_slots = 0;
    for (uint32_t i = 0; i < t->nparams; i++) {
        t->param_slots += wasm_slots(t->params[i]);
        h = (h ^ t->params[i]) * 16777619u;
    }
    h = (h ^ 0xff) * 16777619u;
    for (uint32_t i = 0; i < t->nresults; i++) {
        t->result_slots += wasm_slots(t->results[i]);
        h = (h ^ t->results[i]) * 16777619u;
    }
    t->hash = h;
}
