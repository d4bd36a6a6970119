/*
 * tests/spec/json.h — a small JSON reader for the command files wast2json
 * writes: objects, arrays, strings (with \u escapes decoded to UTF-8, so
 * names may contain NUL bytes: keep the length), numbers kept as text.
 */
#ifndef SPEC_JSON_H
#define SPEC_JSON_H

#include <stddef.h>

enum json_kind { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

typedef struct json json;
struct json {
    enum json_kind kind;
    char *str;              /* string or number text, NUL-terminated */
    size_t len;             /* string length in bytes */
    int boolean;
    json **items;           /* array elements or object values */
    char **keys;            /* object keys */
    size_t count;
};

/* Parses text; NULL on a syntax error. */
json *json_parse(const char *text, size_t size);
void json_free(json *j);
/* Member of an object, or NULL. */
const json *json_get(const json *obj, const char *key);
/* String member, or NULL. */
const char *json_str(const json *obj, const char *key);

#endif
