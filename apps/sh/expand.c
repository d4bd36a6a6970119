/*
 * apps/sh/expand.c — word expansion (POSIX.1-2017 XCU §2.6): tilde
 * expansion, parameter expansion ($NAME, ${NAME}, ${NAME:-word},
 * ${NAME-word}, ${#NAME}, $? $$ $! $# $0-$9 $* $@), quote removal, field
 * splitting of unquoted expansions at $IFS, and pathname expansion of
 * unquoted * ? [ (a pattern with no match stays as it is).
 *
 * The word is first expanded into a buffer where every byte carries a
 * mark saying where it came from; splitting and globbing then act only on
 * the bytes their rules allow.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sh.h"

enum mark {
    MARK_LITERAL,   /* unquoted text of the word: globbing applies */
    MARK_QUOTED,    /* quoted or escaped: taken as is */
    MARK_EXPANDED,  /* an unquoted expansion's result: split and globbed */
};

struct marked {
    char *text;
    unsigned char *marks;
    size_t len, cap;
    bool had_quotes;        /* "" and '' make a field even when empty */
};

struct expander {
    const struct expand_params *p;
    struct marked out;
    char *err;
    size_t errcap;
    bool failed;
};

static void *xrealloc(void *ptr, size_t n)
{
    void *q = realloc(ptr, n ? n : 1);
    if (!q) {
        fputs("sh: out of memory\n", stderr);
        exit(2);
    }
    return q;
}

static void put(struct marked *m, const char *s, size_t n, enum mark mark)
{
    if (m->len + n + 1 > m->cap) {
        while (m->len + n + 1 > m->cap)
            m->cap = m->cap ? m->cap * 2 : 64;
        m->text = xrealloc(m->text, m->cap);
        m->marks = xrealloc(m->marks, m->cap);
    }
    memcpy(m->text + m->len, s, n);
    memset(m->marks + m->len, mark, n);
    m->len += n;
    m->text[m->len] = 0;
}

static bool fail(struct expander *x, const char *msg, const char *what, size_t what_len)
{
    if (!x->failed)
        snprintf(x->err, x->errcap, "%s: %.*s", msg, (int)what_len, what);
    x->failed = true;
    return false;
}

static bool is_name_start(char c)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9');
}

/* The value of a parameter (name[0..len)): a variable or a special one.
 * Returns NULL when unset. For numbers, buf holds the text. */
static const char *param_value(struct expander *x, const char *name, size_t len, char *buf,
                               size_t bufcap, char **owned)
{
    const struct expand_params *p = x->p;
    *owned = NULL;
    if (len == 1) {
        switch (name[0]) {
        case '?':
            snprintf(buf, bufcap, "%d", p->last_status);
            return buf;
        case '$':
            snprintf(buf, bufcap, "%d", p->shell_pid);
            return buf;
        case '!':
            if (!p->last_background)
                return NULL;
            snprintf(buf, bufcap, "%d", p->last_background);
            return buf;
        case '#':
            snprintf(buf, bufcap, "%d", p->argc > 0 ? p->argc - 1 : 0);
            return buf;
        case '*':
        case '@': {
            size_t total = 1;
            for (int i = 1; i < p->argc; i++)
                total += strlen(p->argv[i]) + 1;
            char *s = xrealloc(NULL, total);
            s[0] = 0;
            for (int i = 1; i < p->argc; i++) {
                if (i > 1)
                    strcat(s, " ");
                strcat(s, p->argv[i]);
            }
            *owned = s;
            return s;
        }
        }
    }
    if (name[0] >= '0' && name[0] <= '9') {
        int n = 0;
        for (size_t i = 0; i < len; i++)
            n = n * 10 + (name[i] - '0');
        return n < p->argc ? p->argv[n] : NULL;
    }
    char key[256];
    if (len >= sizeof key)
        return NULL;
    memcpy(key, name, len);
    key[len] = 0;
    return var_get(key);
}

static bool expand_raw(struct expander *x, const char *s, size_t len, bool quoted);

/* A parameter expansion at s[*i] == '$'. */
static bool expand_param(struct expander *x, const char *s, size_t len, size_t *i, bool quoted)
{
    enum mark mark = quoted ? MARK_QUOTED : MARK_EXPANDED;
    size_t start = *i + 1;
    char numbuf[32];
    char *owned = NULL;

    if (start >= len) {
        put(&x->out, "$", 1, quoted ? MARK_QUOTED : MARK_LITERAL);
        *i = start;
        return true;
    }
    char c = s[start];
    if (c != '{') {
        size_t n;
        if (is_name_start(c)) {
            n = 1;
            while (start + n < len && is_name_char(s[start + n]))
                n++;
        } else if (strchr("?$!#*@0123456789", c)) {
            n = 1;
        } else {
            /* a lone '$' is itself */
            put(&x->out, "$", 1, quoted ? MARK_QUOTED : MARK_LITERAL);
            *i = start;
            return true;
        }
        const char *v = param_value(x, s + start, n, numbuf, sizeof numbuf, &owned);
        if (v)
            put(&x->out, v, strlen(v), mark);
        free(owned);
        *i = start + n;
        return true;
    }

    /* ${...}: find the closing brace (the lexer checked it exists) */
    size_t close = start + 1;
    int depth = 1;
    for (; close < len; close++) {
        if (s[close] == '\\') {
            close++;
        } else if (s[close] == '\'' && !quoted) {
            const char *q = memchr(s + close + 1, '\'', len - close - 1);
            close = q ? (size_t)(q - s) : len;
        } else if (s[close] == '{') {
            depth++;
        } else if (s[close] == '}' && --depth == 0) {
            break;
        }
    }
    if (close >= len)
        return fail(x, "bad substitution", s + *i, len - *i);
    const char *body = s + start + 1;
    size_t blen = close - start - 1;
    *i = close + 1;

    bool length = blen > 1 && body[0] == '#';
    const char *name = length ? body + 1 : body;
    size_t nlen = 0;
    size_t avail = blen - (size_t)length;
    if (avail > 0 && is_name_start(name[0])) {
        while (nlen < avail && is_name_char(name[nlen]))
            nlen++;
    } else if (avail > 0 && name[0] >= '0' && name[0] <= '9') {
        while (nlen < avail && name[nlen] >= '0' && name[nlen] <= '9')
            nlen++;
    } else if (avail > 0 && strchr("?$!#*@", name[0])) {
        nlen = 1;
    }
    if (nlen == 0)
        return fail(x, "bad substitution", body - 2, blen + 3);
    const char *rest = name + nlen;
    size_t rlen = avail - nlen;
    const char *v = param_value(x, name, nlen, numbuf, sizeof numbuf, &owned);

    if (length) {
        if (rlen != 0)
            return fail(x, "bad substitution", body - 2, blen + 3);
        char lbuf[32];
        snprintf(lbuf, sizeof lbuf, "%zu", v ? strlen(v) : 0);
        put(&x->out, lbuf, strlen(lbuf), mark);
        free(owned);
        return true;
    }
    if (rlen == 0) {
        if (v)
            put(&x->out, v, strlen(v), mark);
        free(owned);
        return true;
    }
    /* ${NAME:-word} uses word when NAME is unset or empty, ${NAME-word} only when unset */
    bool colon = rest[0] == ':';
    if ((colon && (rlen < 2 || rest[1] != '-')) || (!colon && rest[0] != '-')) {
        free(owned);
        return fail(x, "bad substitution (only :- and - are supported)", body - 2, blen + 3);
    }
    const char *word = rest + (colon ? 2 : 1);
    size_t wlen = rlen - (colon ? 2 : 1);
    bool use_word = !v || (colon && v[0] == 0);
    bool ok = true;
    if (use_word)
        ok = expand_raw(x, word, wlen, quoted);
    else
        put(&x->out, v, strlen(v), mark);
    free(owned);
    return ok;
}

/* Expand s[0..len) into x->out; quoted: inside double quotes. */
static bool expand_raw(struct expander *x, const char *s, size_t len, bool quoted)
{
    size_t i = 0;
    while (i < len && !x->failed) {
        char c = s[i];
        if (c == '\\') {
            if (i + 1 >= len) {
                put(&x->out, "\\", 1, quoted ? MARK_QUOTED : MARK_LITERAL);
                i++;
            } else if (s[i + 1] == '\n') {
                i += 2;   /* line continuation */
            } else if (quoted && !strchr("$`\"\\", s[i + 1])) {
                put(&x->out, "\\", 1, MARK_QUOTED);
                i++;
            } else {
                put(&x->out, s + i + 1, 1, MARK_QUOTED);
                i += 2;
            }
        } else if (c == '\'' && !quoted) {
            const char *close = memchr(s + i + 1, '\'', len - i - 1);
            size_t end = close ? (size_t)(close - s) : len;
            put(&x->out, s + i + 1, end - i - 1, MARK_QUOTED);
            x->out.had_quotes = true;
            i = end + 1;
        } else if (c == '"' && !quoted) {
            size_t end = i + 1;
            while (end < len && s[end] != '"') {
                if (s[end] == '\\')
                    end++;
                else if (s[end] == '$' && end + 1 < len && s[end + 1] == '{') {
                    /* skip over ${...} so quotes inside it do not end ours */
                    int depth = 0;
                    for (; end < len; end++) {
                        if (s[end] == '{')
                            depth++;
                        else if (s[end] == '}' && --depth == 0)
                            break;
                    }
                }
                end++;
            }
            x->out.had_quotes = true;
            if (!expand_raw(x, s + i + 1, (end < len ? end : len) - i - 1, true))
                return false;
            i = end + 1;
        } else if (c == '$') {
            if (!expand_param(x, s, len, &i, quoted))
                return false;
        } else if (c == '`') {
            return fail(x, "command substitution with ` is not supported", s + i, len - i);
        } else {
            put(&x->out, s + i, 1, quoted ? MARK_QUOTED : MARK_LITERAL);
            i++;
        }
    }
    return !x->failed;
}

static bool expand_start(struct expander *x, const char *raw)
{
    size_t len = strlen(raw);
    size_t i = 0;
    /* ~ or ~/...: $HOME */
    if (raw[0] == '~' && (raw[1] == 0 || raw[1] == '/')) {
        const char *home = var_get("HOME");
        if (!home || !*home)
            home = "/";
        put(&x->out, home, strlen(home), MARK_QUOTED);
        i = 1;
    }
    put(&x->out, "", 0, MARK_LITERAL);   /* a buffer even for empty words */
    return expand_raw(x, raw + i, len - i, false);
}

static void add_field(struct fields *f, const char *s, size_t n)
{
    f->v = xrealloc(f->v, (f->n + 2) * sizeof *f->v);
    char *copy = xrealloc(NULL, n + 1);
    memcpy(copy, s, n);
    copy[n] = 0;
    f->v[f->n++] = copy;
    f->v[f->n] = NULL;
}

/* Pathname expansion of text[0..n) (marks say which bytes are active). */
static void add_globbed(struct fields *f, const char *text, const unsigned char *marks, size_t n)
{
    bool active = false;
    for (size_t i = 0; i < n; i++)
        if (marks[i] != MARK_QUOTED && strchr("*?[", text[i]))
            active = true;
    if (!active) {
        add_field(f, text, n);
        return;
    }
    /* the pattern: quoted special characters escaped */
    char *pattern = xrealloc(NULL, 2 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (marks[i] == MARK_QUOTED && strchr("*?[\\", text[i]))
            pattern[k++] = '\\';
        pattern[k++] = text[i];
    }
    pattern[k] = 0;
    glob_t g;
    if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
        for (size_t i = 0; i < g.gl_pathc; i++)
            add_field(f, g.gl_pathv[i], strlen(g.gl_pathv[i]));
        globfree(&g);
    } else {
        add_field(f, text, n);
    }
    free(pattern);
}

/* Field splitting at $IFS characters that came from unquoted expansions
 * (XCU §2.6.5): IFS white space at the start and end is dropped; a run of
 * IFS white space, or one other IFS character with any white space around
 * it, ends a field. */
static bool ifs_at(const struct marked *m, size_t i, const char *ifs)
{
    return m->marks[i] == MARK_EXPANDED && m->text[i] && strchr(ifs, m->text[i]);
}

static bool white_ifs_at(const struct marked *m, size_t i, const char *ifs)
{
    return ifs_at(m, i, ifs) && strchr(" \t\n", m->text[i]);
}

static void split_fields(const struct marked *m, struct fields *f)
{
    const char *ifs = var_get("IFS");
    if (!ifs)
        ifs = " \t\n";
    size_t fields_before = f->n;
    size_t i = 0;
    while (i < m->len && white_ifs_at(m, i, ifs))
        i++;
    while (i < m->len) {
        size_t start = i;
        while (i < m->len && !ifs_at(m, i, ifs))
            i++;
        size_t end = i;
        if (i < m->len) {
            /* the delimiter: white space, at most one other IFS character, white space */
            while (i < m->len && white_ifs_at(m, i, ifs))
                i++;
            if (i < m->len && ifs_at(m, i, ifs) && !white_ifs_at(m, i, ifs)) {
                i++;
                while (i < m->len && white_ifs_at(m, i, ifs))
                    i++;
            }
        }
        add_globbed(f, m->text + start, m->marks + start, end - start);
    }
    if (f->n == fields_before && m->had_quotes)
        add_field(f, "", 0);
}

bool expand_word(const char *raw, const struct expand_params *p, struct fields *out, char *err,
                 size_t errcap)
{
    /* "$@" alone: every positional parameter as its own field */
    if (strcmp(raw, "\"$@\"") == 0) {
        for (int i = 1; i < p->argc; i++)
            add_field(out, p->argv[i], strlen(p->argv[i]));
        return true;
    }
    struct expander x = { .p = p, .err = err, .errcap = errcap };
    bool ok = expand_start(&x, raw);
    if (ok)
        split_fields(&x.out, out);
    free(x.out.text);
    free(x.out.marks);
    return ok;
}

char *expand_single(const char *raw, const struct expand_params *p, char *err, size_t errcap)
{
    struct expander x = { .p = p, .err = err, .errcap = errcap };
    if (!expand_start(&x, raw)) {
        free(x.out.text);
        free(x.out.marks);
        return NULL;
    }
    free(x.out.marks);
    return x.out.text;
}

void fields_free(struct fields *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}
