/*
 * tests/spec/json.c — recursive-descent JSON parser (RFC 8259), enough for
 * wast2json output.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

typedef struct parser {
    const char *p, *end;
    int failed;
} parser;

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static json *new_node(enum json_kind kind)
{
    json *j = calloc(1, sizeof(*j));
    if (j)
        j->kind = kind;
    return j;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | cp >> 6); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reads a string after its opening quote; returns a malloc'd copy. */
static char *parse_string(parser *ps, size_t *len)
{
    /* The decoded string is no longer than its text up to the closing quote. */
    const char *q = ps->p;
    while (q < ps->end && *q != '"')
        q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
    char *buf = malloc((size_t)(q - ps->p) + 1);
    size_t n = 0;
    if (!buf) {
        ps->failed = 1;
        return NULL;
    }
    while (ps->p < ps->end && *ps->p != '"') {
        char c = *ps->p++;
        if (c != '\\') {
            buf[n++] = c;
            continue;
        }
        if (ps->p >= ps->end)
            break;
        c = *ps->p++;
        switch (c) {
        case 'n': buf[n++] = '\n'; break;
        case 't': buf[n++] = '\t'; break;
        case 'r': buf[n++] = '\r'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'u': {
            unsigned cp;
            if (ps->end - ps->p < 4 || !hex4(ps->p, &cp))
                goto bad;
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && ps->end - ps->p >= 6 && ps->p[0] == '\\' && ps->p[1] == 'u') {
                unsigned lo;
                if (hex4(ps->p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    ps->p += 6;
                }
            }
            n += put_utf8(buf + n, cp);
            break;
        }
        default: buf[n++] = c; break;
        }
    }
    if (ps->p >= ps->end)
        goto bad;
    ps->p++;
    buf[n] = 0;
    *len = n;
    return buf;
bad:
    free(buf);
    ps->failed = 1;
    return NULL;
}

static json *parse_value(parser *ps, int depth);

static int append(json *j, json *item, char *key)
{
    json **items = realloc(j->items, (j->count + 1) * sizeof(*items));
    if (!items)
        return 0;
    j->items = items;
    if (j->kind == JSON_OBJECT) {
        char **keys = realloc(j->keys, (j->count + 1) * sizeof(*keys));
        if (!keys)
            return 0;
        j->keys = keys;
        j->keys[j->count] = key;
    }
    j->items[j->count++] = item;
    return 1;
}

static json *parse_container(parser *ps, int depth, int object)
{
    json *j = new_node(object ? JSON_OBJECT : JSON_ARRAY);
    char close = object ? '}' : ']';
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (object) {
            size_t klen;
            if (ps->p >= ps->end || *ps->p != '"')
                break;
            ps->p++;
            key = parse_string(ps, &klen);
            skip_ws(ps);
            if (!key || ps->p >= ps->end || *ps->p != ':') {
                free(key);
                break;
            }
            ps->p++;
        }
        json *v = parse_value(ps, depth + 1);
        if (!v || !append(j, v, key)) {
            json_free(v);
            free(key);
            break;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return j;
        }
        break;
    }
    ps->failed = 1;
    json_free(j);
    return NULL;
}

static json *parse_value(parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->p >= ps->end || depth > 64) {
        ps->failed = 1;
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[') {
        ps->p++;
        return parse_container(ps, depth, c == '{');
    }
    if (c == '"') {
        ps->p++;
        json *j = new_node(JSON_STRING);
        j->str = parse_string(ps, &j->len);
        if (!j->str) {
            free(j);
            return NULL;
        }
        return j;
    }
    if (!strncmp(ps->p, "true", 4) || !strncmp(ps->p, "false", 5)) {
        json *j = new_node(JSON_BOOL);
        j->boolean = c == 't';
        ps->p += j->boolean ? 4 : 5;
        return j;
    }
    if (!strncmp(ps->p, "null", 4)) {
        ps->p += 4;
        return new_node(JSON_NULL);
    }
    const char *start = ps->p;
    while (ps->p < ps->end && strchr("+-0123456789.eE", *ps->p))
        ps->p++;
    if (ps->p == start) {
        ps->failed = 1;
        return NULL;
    }
    json *j = new_node(JSON_NUMBER);
    j->len = (size_t)(ps->p - start);
    j->str = malloc(j->len + 1);
    memcpy(j->str, start, j->len);
    j->str[j->len] = 0;
    return j;
}

json *json_parse(const char *text, size_t size)
{
    parser ps = { text, text + size, 0 };
    json *j = parse_value(&ps, 0);
    if (ps.failed) {
        json_free(j);
        return NULL;
    }
    return j;
}

void json_free(json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->count; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    free(j);
}

const json *json_get(const json *obj, const char *key)
{
    if (!obj || obj->kind != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->count; i++)
        if (!strcmp(obj->keys[i], key))
            return obj->items[i];
    return NULL;
}

const char *json_str(const json *obj, const char *key)
{
    const json *v = json_get(obj, key);
    return v && (v->kind == JSON_STRING || v->kind == JSON_NUMBER) ? v->str : NULL;
}
