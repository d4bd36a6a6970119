/*
 * sort — sort lines of text (POSIX sort, C locale).
 *
 *   sort [-bfnrsu] [-t CHAR] [-k KEYDEF]... [-o FILE] [FILE...]
 *
 * KEYDEF is F[.C][OPTS][,F[.C][OPTS]] with OPTS from "bfnr" (POSIX). Lines
 * that compare equal on every key are ordered by their whole bytes (unless
 * -s), as GNU sort does. -u keeps the first line of each run of equal keys.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

struct flags {
    bool blanks, fold, numeric, reverse;
};

struct key {
    size_t start_field, start_char;   /* from 1 */
    size_t end_field, end_char;       /* end_field 0: end of line; end_char 0: end of field */
    struct flags flags;
    bool has_flags;                   /* else the global flags apply */
    bool end_blanks;                  /* 'b' on the end position */
};

struct line {
    const char *text;
    size_t len;
};

static struct flags global;
static struct key *keys;
static size_t nkeys;
static int separator = -1;            /* -t, or -1 for blank-separated fields */
static bool stable, unique;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The end of the field that starts at `start`: up to the separator with
 * -t, else over leading blanks and then non-blanks (POSIX sort). */
static size_t field_end(const struct line *l, size_t start)
{
    size_t i = start;
    if (separator >= 0) {
        while (i < l->len && l->text[i] != separator)
            i++;
        return i;
    }
    while (i < l->len && is_blank(l->text[i]))
        i++;
    while (i < l->len && !is_blank(l->text[i]))
        i++;
    return i;
}

/* Offset of the start of field f (from 1) in the line, or len. */
static size_t field_start(const struct line *l, size_t f)
{
    size_t i = 0;
    for (size_t n = 1; n < f && i < l->len; n++) {
        i = field_end(l, i);
        if (separator >= 0 && i < l->len)
            i++;   /* past the separator */
    }
    return i;
}

static size_t skip_blanks(const struct line *l, size_t i, size_t limit)
{
    while (i < limit && is_blank(l->text[i]))
        i++;
    return i;
}

/* The part of line l that key k selects, as [*from, *to). */
static void key_range(const struct line *l, const struct key *k, size_t *from, size_t *to)
{
    bool blanks = k->has_flags ? k->flags.blanks : global.blanks;
    size_t s = field_start(l, k->start_field);
    if (blanks)
        s = skip_blanks(l, s, l->len);
    s += k->start_char > 1 ? k->start_char - 1 : 0;
    if (s > l->len)
        s = l->len;

    size_t e = l->len;
    if (k->end_field) {
        size_t fs = field_start(l, k->end_field);
        if (k->end_char == 0) {
            e = field_end(l, fs);
        } else {
            if (k->end_blanks || (blanks && !k->has_flags))
                fs = skip_blanks(l, fs, l->len);
            e = fs + k->end_char;
            if (e > l->len)
                e = l->len;
        }
    }
    *from = s;
    *to = e < s ? s : e;
}

/* Compare two numbers written in text (leading blanks, optional '-',
 * digits, optional '.' and digits); anything else ends the number, and no
 * number is zero. */
static int compare_numbers(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, j = 0;
    while (i < alen && is_blank(a[i]))
        i++;
    while (j < blen && is_blank(b[j]))
        j++;
    bool aneg = i < alen && a[i] == '-', bneg = j < blen && b[j] == '-';
    i += aneg;
    j += bneg;
    /* integer parts without leading zeros */
    while (i < alen && a[i] == '0')
        i++;
    while (j < blen && b[j] == '0')
        j++;
    size_t ai = i, bj = j;
    while (i < alen && isdigit((unsigned char)a[i]))
        i++;
    while (j < blen && isdigit((unsigned char)b[j]))
        j++;
    size_t alen_int = i - ai, blen_int = j - bj;
    /* fractions, trailing zeros ignored */
    size_t af = i, bf = j, aflen = 0, bflen = 0;
    if (af < alen && a[af] == '.') {
        af++;
        while (af + aflen < alen && isdigit((unsigned char)a[af + aflen]))
            aflen++;
        while (aflen > 0 && a[af + aflen - 1] == '0')
            aflen--;
    }
    if (bf < blen && b[bf] == '.') {
        bf++;
        while (bf + bflen < blen && isdigit((unsigned char)b[bf + bflen]))
            bflen++;
        while (bflen > 0 && b[bf + bflen - 1] == '0')
            bflen--;
    }
    bool azero = alen_int == 0 && aflen == 0, bzero = blen_int == 0 && bflen == 0;
    if (azero)
        aneg = false;
    if (bzero)
        bneg = false;
    if (aneg != bneg)
        return aneg ? -1 : 1;
    int sign = aneg ? -1 : 1;
    if (alen_int != blen_int)
        return alen_int < blen_int ? -sign : sign;
    int c = memcmp(a + ai, b + bj, alen_int);
    if (c)
        return c < 0 ? -sign : sign;
    size_t n = aflen < bflen ? aflen : bflen;
    c = memcmp(a + af, b + bf, n);
    if (c)
        return c < 0 ? -sign : sign;
    if (aflen != bflen)
        return aflen < bflen ? -sign : sign;
    return 0;
}

static int compare_text(const char *a, size_t alen, const char *b, size_t blen, bool fold)
{
    size_t n = alen < blen ? alen : blen;
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (fold) {
            x = (unsigned char)toupper(x);
            y = (unsigned char)toupper(y);
        }
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen == blen ? 0 : (alen < blen ? -1 : 1);
}

static int compare_span(const char *a, size_t alen, const char *b, size_t blen, const struct flags *f)
{
    int c;
    if (f->numeric) {
        c = compare_numbers(a, alen, b, blen);
    } else {
        if (f->blanks) {
            while (alen > 0 && is_blank(*a)) {
                a++;
                alen--;
            }
            while (blen > 0 && is_blank(*b)) {
                b++;
                blen--;
            }
        }
        c = compare_text(a, alen, b, blen, f->fold);
    }
    return f->reverse ? -c : c;
}

/* Compare by keys only (0 = equal keys). */
static int compare_keys(const struct line *a, const struct line *b)
{
    if (nkeys == 0)
        return compare_span(a->text, a->len, b->text, b->len, &global);
    for (size_t i = 0; i < nkeys; i++) {
        size_t as, ae, bs, be;
        key_range(a, &keys[i], &as, &ae);
        key_range(b, &keys[i], &bs, &be);
        const struct flags *f = keys[i].has_flags ? &keys[i].flags : &global;
        int c = compare_span(a->text + as, ae - as, b->text + bs, be - bs, f);
        if (c)
            return c;
    }
    return 0;
}

static int compare_lines(const struct line *a, const struct line *b)
{
    int c = compare_keys(a, b);
    if (c || stable || unique)
        return c;
    c = compare_text(a->text, a->len, b->text, b->len, false);
    return global.reverse ? -c : c;
}

/* Stable merge sort of v[0..n) using tmp as scratch. */
static void merge_sort(struct line *v, struct line *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t mid = n / 2;
    merge_sort(v, tmp, mid);
    merge_sort(v + mid, tmp, n - mid);
    size_t i = 0, j = mid, k = 0;
    while (i < mid && j < n)
        tmp[k++] = compare_lines(&v[j], &v[i]) < 0 ? v[j++] : v[i++];
    while (i < mid)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

/* Parse "F[.C][OPTS]"; returns the rest of the text or NULL. */
static const char *parse_position(const char *s, size_t *field, size_t *chr, struct key *k, bool end)
{
    char *rest;
    unsigned long f = strtoul(s, &rest, 10);
    if (rest == s)
        return NULL;
    *field = f;
    *chr = 0;
    if (*rest == '.') {
        s = rest + 1;
        *chr = strtoul(s, &rest, 10);
        if (rest == s)
            return NULL;
    }
    for (; *rest && strchr("bfnr", *rest); rest++) {
        k->has_flags = true;
        if (*rest == 'b') {
            if (end)
                k->end_blanks = true;
            else
                k->flags.blanks = true;
        }
        if (*rest == 'f')
            k->flags.fold = true;
        if (*rest == 'n')
            k->flags.numeric = true;
        if (*rest == 'r')
            k->flags.reverse = true;
    }
    return rest;
}

static void add_key(const char *def)
{
    struct key k;
    memset(&k, 0, sizeof k);
    const char *rest = parse_position(def, &k.start_field, &k.start_char, &k, false);
    if (rest && *rest == ',')
        rest = parse_position(rest + 1, &k.end_field, &k.end_char, &k, true);
    if (!rest || *rest || k.start_field == 0 || (k.end_field == 0 && strchr(def, ',')))
        app_die(2, "invalid key definition: '%s'", def);
    if (k.start_char == 0)
        k.start_char = 1;
    keys = app_xrealloc(keys, (nkeys + 1) * sizeof *keys);
    keys[nkeys++] = k;
}

int main(int argc, char **argv)
{
    app_init("sort");
    const char *output = NULL;
    int c;
    while ((c = getopt(argc, argv, "bfnrsuk:t:o:")) != -1) {
        switch (c) {
        case 'b': global.blanks = true; break;
        case 'f': global.fold = true; break;
        case 'n': global.numeric = true; break;
        case 'r': global.reverse = true; break;
        case 's': stable = true; break;
        case 'u': unique = true; break;
        case 'k': add_key(optarg); break;
        case 't':
            if (strlen(optarg) != 1)
                app_die(2, "the separator must be one character");
            separator = (unsigned char)optarg[0];
            break;
        case 'o': output = optarg; break;
        default: app_usage(2, "[-bfnrsu] [-t CHAR] [-k KEYDEF]... [-o FILE] [FILE...]");
        }
    }

    /* Read every line of every input. */
    struct line *lines = NULL;
    size_t n = 0, cap = 0;
    int status = 0;
    int nfiles;
    char **files = app_operands(argc, argv, &nfiles);
    for (; nfiles-- > 0; files++) {
        FILE *in = app_open_input(*files);
        if (!in)
            app_die(2, "cannot read: %s", *files);
        char *buf = NULL;
        size_t bcap = 0;
        ssize_t len;
        while ((len = getline(&buf, &bcap, in)) >= 0) {
            if (len > 0 && buf[len - 1] == '\n')
                len--;
            if (n == cap)
                lines = app_xrealloc(lines, (cap = cap ? cap * 2 : 1024) * sizeof *lines);
            char *copy = app_xmalloc((size_t)len + 1);
            memcpy(copy, buf, (size_t)len);
            lines[n].text = copy;
            lines[n++].len = (size_t)len;
        }
        free(buf);
        if (ferror(in)) {
            app_warn_errno(*files);
            status = 2;
        }
        app_close_input(in);
    }

    struct line *tmp = app_xmalloc(n * sizeof *tmp);
    merge_sort(lines, tmp, n);
    free(tmp);

    /* -o may name an input: it is written only now, after reading. */
    if (output && !freopen(output, "w", stdout))
        app_die(2, "cannot create %s", output);
    for (size_t i = 0; i < n; i++) {
        if (unique && i > 0 && compare_keys(&lines[i - 1], &lines[i]) == 0)
            continue;
        fwrite(lines[i].text, 1, lines[i].len, stdout);
        putchar('\n');
    }
    return app_finish(status);
}
