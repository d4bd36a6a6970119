/*
 * lib/manifest/toml.c — strict reader for a subset of TOML 1.0 (toml.io/en/v1.0.0).
 *
 * One pass over the text with a cursor; each line is a blank/comment line,
 * a [table] header or a key = value pair. Errors carry the line and column
 * of the offending character.
 */
#include "toml.h"

#include "../common/msg.h"

#define NAME_MAX_LEN 255

struct reader {
    const char *text;
    size_t len;
    size_t pos;
    int line;
    size_t line_start;
    toml_error *err;
    toml_callback cb;
    void *ctx;
    char table[NAME_MAX_LEN + 1];
    char key[NAME_MAX_LEN + 1];
    char string[TOML_STRING_MAX + 1];
};

static int peek(const struct reader *r)
{
    return r->pos < r->len ? (unsigned char)r->text[r->pos] : -1;
}

static int peek_at(const struct reader *r, size_t ahead)
{
    return r->pos + ahead < r->len ? (unsigned char)r->text[r->pos + ahead] : -1;
}

static int column(const struct reader *r)
{
    return (int)(r->pos - r->line_start) + 1;
}

/* Record an error at the cursor; returns false for `return error(...)`. */
static bool error(struct reader *r, const char *text)
{
    struct msg m = msg_init(r->err->message, sizeof r->err->message);
    msg_str(&m, text);
    r->err->line = r->line;
    r->err->column = column(r);
    return false;
}

static bool is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/* A character TOML forbids in comments and strings: controls but tab. */
static bool is_forbidden_control(int c)
{
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7F;
}

/* Check that the whole text is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing past U+10FFFF), reporting the first bad byte. */
static bool check_utf8(struct reader *r)
{
    const unsigned char *s = (const unsigned char *)r->text;
    for (size_t i = 0; i < r->len;) {
        unsigned c = s[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            if (c == '\n') {
                r->line++;
                r->line_start = i + 1;
            }
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            n = 2; cp = c & 0x1F; min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3; cp = c & 0x0F; min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            n = 4; cp = c & 0x07; min = 0x10000;
        } else {
            n = 0; cp = 0; min = 1;
        }
        bool ok = n > 0 && r->len - i >= n;
        for (size_t k = 1; ok && k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                ok = false;
            else
                cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            r->pos = i;
            return error(r, "invalid UTF-8");
        }
        i += n;
    }
    r->line = 1;
    r->line_start = 0;
    return true;
}

static void skip_spaces(struct reader *r)
{
    while (peek(r) == ' ' || peek(r) == '\t')
        r->pos++;
}

/* Skip a comment if one starts here. */
static bool skip_comment(struct reader *r)
{
    if (peek(r) != '#')
        return true;
    while (r->pos < r->len && peek(r) != '\n') {
        if (peek(r) == '\r' && peek_at(r, 1) == '\n')
            break;
        if (is_forbidden_control(peek(r)))
            return error(r, "control character in comment");
        r->pos++;
    }
    return true;
}

/* At a line end ("\n", "\r\n" or the end of text): step past it. */
static bool end_of_line(struct reader *r)
{
    if (peek(r) == '\r' && peek_at(r, 1) == '\n')
        r->pos++;
    if (peek(r) == '\n') {
        r->pos++;
        r->line++;
        r->line_start = r->pos;
        return true;
    }
    return r->pos >= r->len;
}

/* After a header or a value: optional spaces and comment, then a line end. */
static bool finish_line(struct reader *r)
{
    skip_spaces(r);
    if (!skip_comment(r))
        return false;
    if (!end_of_line(r))
        return error(r, "expected the end of the line");
    return true;
}

/* Append code point cp to the string buffer as UTF-8. */
static bool put_utf8(struct reader *r, char *buf, size_t *len, uint32_t cp)
{
    char enc[4];
    size_t n;
    if (cp < 0x80) {
        enc[0] = (char)cp; n = 1;
    } else if (cp < 0x800) {
        enc[0] = (char)(0xC0 | cp >> 6); enc[1] = (char)(0x80 | (cp & 0x3F)); n = 2;
    } else if (cp < 0x10000) {
        enc[0] = (char)(0xE0 | cp >> 12); enc[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        enc[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        enc[0] = (char)(0xF0 | cp >> 18); enc[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        enc[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); enc[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    if (*len + n > TOML_STRING_MAX)
        return error(r, "string too long");
    for (size_t i = 0; i < n; i++)
        buf[(*len)++] = enc[i];
    return true;
}

/* \uXXXX or \UXXXXXXXX: `digits` hex digits naming a Unicode scalar value. */
static bool read_unicode_escape(struct reader *r, unsigned digits, uint32_t *cp)
{
    size_t escape_start = r->pos - 2;   /* the backslash */
    *cp = 0;
    for (unsigned i = 0; i < digits; i++) {
        int c = peek(r);
        unsigned v;
        if (c >= '0' && c <= '9')
            v = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v = (unsigned)(c - 'A' + 10);
        else
            return error(r, "bad hex digit in unicode escape");
        *cp = *cp << 4 | v;
        r->pos++;
    }
    if (*cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) {
        r->pos = escape_start;
        return error(r, "unicode escape is not a scalar value");
    }
    return true;
}

/* A basic ("...") or literal ('...') string at the cursor, decoded into
 * buf (capacity TOML_STRING_MAX + 1). */
static bool read_string(struct reader *r, char *buf, size_t cap, size_t *out_len)
{
    int quote = peek(r);
    if (peek_at(r, 1) == quote && peek_at(r, 2) == quote)
        return error(r, "multi-line strings are not supported");
    r->pos++;

    size_t len = 0;
    for (;;) {
        int c = peek(r);
        if (c < 0 || c == '\n' || (c == '\r' && peek_at(r, 1) == '\n'))
            return error(r, "unterminated string");
        if (c == quote) {
            r->pos++;
            break;
        }
        if (is_forbidden_control(c))
            return error(r, "control character in string");
        if (c == '\\' && quote == '"') {
            r->pos++;
            int e = peek(r);
            uint32_t cp;
            switch (e) {
            case 'b': cp = '\b'; break;
            case 't': cp = '\t'; break;
            case 'n': cp = '\n'; break;
            case 'f': cp = '\f'; break;
            case 'r': cp = '\r'; break;
            case '"': cp = '"'; break;
            case '\\': cp = '\\'; break;
            case 'u':
            case 'U':
                r->pos++;   /* past the 'u'; the digits follow */
                if (!read_unicode_escape(r, e == 'u' ? 4 : 8, &cp))
                    return false;
                break;
            default:
                return error(r, "invalid escape sequence");
            }
            if (e != 'u' && e != 'U')
                r->pos++;   /* past the escape letter */
            if (!put_utf8(r, buf, &len, cp))
                return false;
            continue;
        }
        if (len + 1 > cap - 1)
            return error(r, "string too long");
        buf[len++] = (char)c;
        r->pos++;
    }
    buf[len] = 0;
    *out_len = len;
    return true;
}

/* A key or table name: bare, "basic" or 'literal'. Dotted keys are refused. */
static bool read_key(struct reader *r, char *buf)
{
    size_t len = 0;
    int c = peek(r);
    if (c == '"' || c == '\'') {
        if (!read_string(r, r->string, sizeof r->string, &len))
            return false;
        if (len > NAME_MAX_LEN)
            return error(r, "key too long");
        __builtin_memcpy(buf, r->string, len + 1);
    } else {
        while (is_bare_key_char(peek(r))) {
            if (len == NAME_MAX_LEN)
                return error(r, "key too long");
            buf[len++] = (char)peek(r);
            r->pos++;
        }
        if (len == 0)
            return error(r, "expected a key");
        buf[len] = 0;
    }
    skip_spaces(r);
    if (peek(r) == '.')
        return error(r, "dotted keys are not supported");
    return true;
}

/* A decimal integer, optionally signed, with '_' only between digits. */
static bool read_integer(struct reader *r, int64_t *out)
{
    bool negative = false;
    if (peek(r) == '+' || peek(r) == '-') {
        negative = peek(r) == '-';
        r->pos++;
    }
    if (peek(r) == '0' && (peek_at(r, 1) == 'x' || peek_at(r, 1) == 'o' || peek_at(r, 1) == 'b'))
        return error(r, "hexadecimal, octal and binary integers are not supported");
    if (peek(r) == '0' && peek_at(r, 1) >= '0' && peek_at(r, 1) <= '9')
        return error(r, "leading zeros are not allowed");
    if (!(peek(r) >= '0' && peek(r) <= '9'))
        return error(r, "expected a value");

    uint64_t v = 0, limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (;;) {
        int c = peek(r);
        if (c >= '0' && c <= '9') {
            if (v > (limit - (uint64_t)(c - '0')) / 10)
                return error(r, "integer out of range");
            v = v * 10 + (uint64_t)(c - '0');
            r->pos++;
        } else if (c == '_' && peek_at(r, 1) >= '0' && peek_at(r, 1) <= '9') {
            r->pos++;
        } else {
            break;
        }
    }
    int c = peek(r);
    if (c == '.' || c == 'e' || c == 'E')
        return error(r, "floating-point numbers are not supported");
    if (c == '-' || c == ':')
        return error(r, "dates and times are not supported");
    if (c == '_' || is_bare_key_char(c))
        return error(r, "invalid character in number");
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* A scalar value (string, boolean, integer) into ev. */
static bool read_scalar(struct reader *r, toml_event *ev)
{
    int c = peek(r);
    ev->line = r->line;
    ev->column = column(r);
    if (c == '"' || c == '\'') {
        ev->type = TOML_STRING;
        ev->string = r->string;
        return read_string(r, r->string, sizeof r->string, &ev->string_len);
    }
    if (c == 't' || c == 'f') {
        const char *word = c == 't' ? "true" : "false";
        size_t n = c == 't' ? 4 : 5;
        for (size_t i = 0; i < n; i++)
            if (peek_at(r, i) != word[i])
                return error(r, "expected a value");
        if (is_bare_key_char(peek_at(r, n)))
            return error(r, "expected a value");
        r->pos += n;
        ev->type = TOML_BOOL;
        ev->boolean = c == 't';
        return true;
    }
    if (c == '{')
        return error(r, "inline tables are not supported");
    if (c == '[')
        return error(r, "nested arrays are not supported");
    if (c == 'i' || c == 'n' || ((c == '+' || c == '-') && (peek_at(r, 1) == 'i' || peek_at(r, 1) == 'n')))
        return error(r, "floating-point numbers are not supported");
    ev->type = TOML_INTEGER;
    return read_integer(r, &ev->integer);
}

static bool emit(struct reader *r, const toml_event *ev)
{
    if (r->cb(r->ctx, ev, r->err))
        return true;
    r->err->line = ev->line;
    r->err->column = ev->column;
    return false;
}

/* Skip spaces, comments and line ends inside an array. */
static bool skip_array_space(struct reader *r)
{
    for (;;) {
        skip_spaces(r);
        if (!skip_comment(r))
            return false;
        if (peek(r) == '\n' || (peek(r) == '\r' && peek_at(r, 1) == '\n'))
            end_of_line(r);
        else
            return true;
    }
}

/* [ v, v, ... ] with every element of one type. */
static bool read_array(struct reader *r, toml_event *ev)
{
    ev->type = TOML_ARRAY;
    ev->line = r->line;
    ev->column = column(r);
    if (!emit(r, ev))
        return false;
    r->pos++;

    toml_type first = TOML_ARRAY;
    ev->in_array = true;
    for (ev->array_index = 0;; ev->array_index++) {
        if (!skip_array_space(r))
            return false;
        if (peek(r) == ']')
            break;
        if (!read_scalar(r, ev))
            return false;
        if (ev->array_index == 0)
            first = ev->type;
        else if (ev->type != first)
            return error(r, "array elements of different types");
        if (!emit(r, ev))
            return false;
        if (!skip_array_space(r))
            return false;
        if (peek(r) == ',') {
            r->pos++;
            continue;
        }
        if (peek(r) != ']')
            return error(r, peek(r) < 0 ? "unterminated array" : "expected ',' or ']' in array");
        break;
    }
    r->pos++;
    return true;
}

/* [name] */
static bool read_table_header(struct reader *r)
{
    toml_event ev = { .type = TOML_TABLE, .line = r->line, .column = column(r) };
    r->pos++;
    if (peek(r) == '[')
        return error(r, "arrays of tables are not supported");
    skip_spaces(r);
    if (!read_key(r, r->table))
        return false;
    if (peek(r) != ']')
        return error(r, "expected ']'");
    r->pos++;
    ev.table = r->table;
    ev.key = r->table;
    return emit(r, &ev) && finish_line(r);
}

/* key = value */
static bool read_key_value(struct reader *r)
{
    toml_event ev = { .table = r->table, .key = r->key };
    if (!read_key(r, r->key))
        return false;
    if (peek(r) != '=')
        return error(r, "expected '=' after the key");
    r->pos++;
    skip_spaces(r);
    if (peek(r) < 0 || peek(r) == '\n' || peek(r) == '\r' || peek(r) == '#')
        return error(r, "expected a value");
    if (peek(r) == '[') {
        if (!read_array(r, &ev))
            return false;
    } else if (!read_scalar(r, &ev) || !emit(r, &ev)) {
        return false;
    }
    return finish_line(r);
}

bool toml_parse(const char *text, size_t len, toml_callback cb, void *ctx, toml_error *err)
{
    struct reader r = { .text = text, .len = len, .line = 1, .err = err, .cb = cb, .ctx = ctx };
    err->line = err->column = 0;
    err->message[0] = 0;

    if (!check_utf8(&r))
        return false;
    while (r.pos < r.len) {
        skip_spaces(&r);
        int c = peek(&r);
        bool ok;
        if (c == '#' || c == '\n' || c == '\r' || c < 0)
            ok = finish_line(&r);
        else if (c == '[')
            ok = read_table_header(&r);
        else
            ok = read_key_value(&r);
        if (!ok)
            return false;
    }
    return true;
}
