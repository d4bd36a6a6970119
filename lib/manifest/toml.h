/*
 * lib/manifest/toml.h — a strict reader for the subset of TOML 1.0 that
 * package manifests use, portable C11 without libc or allocation.
 *
 * Supported: comments, [table] headers, key = value pairs with bare or
 * "quoted" keys, basic strings with all TOML escapes, 'literal' strings,
 * true/false, decimal integers, and one-dimensional arrays of those (over
 * several lines, with a trailing comma allowed). Anything else TOML has
 * (dotted keys, inline tables, multi-line strings, floats, dates, arrays of
 * tables) is refused with an error that names it. The input must be UTF-8.
 *
 * The reader calls back once per table header, once per key (with the
 * value, or with TOML_ARRAY before an array's elements) and once per array
 * element. Semantics, such as which keys exist, belong to the caller.
 */
#ifndef KPIO_TOML_H
#define KPIO_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOML_STRING_MAX 1024   /* longest decoded string or key, in bytes */

typedef enum toml_type {
    TOML_TABLE,      /* a [table] header; key is the table name */
    TOML_STRING,
    TOML_BOOL,
    TOML_INTEGER,
    TOML_ARRAY,      /* an array begins; its elements follow with in_array set */
} toml_type;

typedef struct toml_event {
    toml_type type;
    const char *table;          /* current table, "" at the top level */
    const char *key;            /* key (or table name for TOML_TABLE) */
    bool in_array;              /* an element of the array `key` */
    uint32_t array_index;
    const char *string;         /* TOML_STRING: decoded, NUL-terminated */
    size_t string_len;
    bool boolean;
    int64_t integer;
    int line, column;           /* where the value (or header) starts, from 1 */
} toml_event;

typedef struct toml_error {
    int line, column;
    char message[160];
} toml_error;

/* Called for each event. Return true to go on; to stop with an error, fill
 * err->message and return false (the reader adds the position). */
typedef bool (*toml_callback)(void *ctx, const toml_event *ev, toml_error *err);

/* Read text[0..len). Returns true on success; on failure err holds a
 * message and the line and column (from 1) where the problem is. */
bool toml_parse(const char *text, size_t len, toml_callback cb, void *ctx, toml_error *err);

#endif
