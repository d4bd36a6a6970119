/*
 * uniq — report or filter out repeated adjacent lines.
 *
 *   uniq [-cdui] [-f N] [-s N] [INPUT [OUTPUT]]
 *
 * -c prefixes each output line with its count ("%7lu "), -d prints only
 * repeated lines, -u only unrepeated ones, -i compares ignoring case, -f
 * skips N blank-separated fields and -s N characters before comparing.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "app.h"

static bool opt_count, opt_repeated, opt_unique, opt_icase;
static uint64_t skip_fields, skip_chars;

/* The part of a line that is compared. */
static const char *compare_start(const char *s, size_t len, size_t *rest)
{
    size_t i = 0;
    for (uint64_t f = 0; f < skip_fields; f++) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
    }
    i = i + skip_chars < len ? i + (size_t)skip_chars : len;
    *rest = len - i;
    return s + i;
}

static bool same(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t an, bn;
    const char *x = compare_start(a, alen, &an), *y = compare_start(b, blen, &bn);
    if (an != bn)
        return false;
    return opt_icase ? strncasecmp(x, y, an) == 0 : memcmp(x, y, an) == 0;
}

static void emit(FILE *out, const char *line, size_t len, uint64_t count)
{
    if ((opt_repeated && count < 2) || (opt_unique && count > 1))
        return;
    if (opt_count)
        fprintf(out, "%7llu ", (unsigned long long)count);
    fwrite(line, 1, len, out);
    fputc('\n', out);
}

int main(int argc, char **argv)
{
    app_init("uniq");
    int c;
    while ((c = getopt(argc, argv, "cduif:s:")) != -1) {
        switch (c) {
        case 'c': opt_count = true; break;
        case 'd': opt_repeated = true; break;
        case 'u': opt_unique = true; break;
        case 'i': opt_icase = true; break;
        case 'f':
            if (!app_parse_u64(optarg, &skip_fields))
                app_die(1, "invalid number of fields to skip: '%s'", optarg);
            break;
        case 's':
            if (!app_parse_u64(optarg, &skip_chars))
                app_die(1, "invalid number of bytes to skip: '%s'", optarg);
            break;
        default: app_usage(1, "[-cdui] [-f N] [-s N] [INPUT [OUTPUT]]");
        }
    }
    if (argc - optind > 2)
        app_usage(1, "[-cdui] [-f N] [-s N] [INPUT [OUTPUT]]");
    FILE *in = app_open_input(optind < argc ? argv[optind] : "-");
    if (!in)
        return 1;
    FILE *out = stdout;
    if (argc - optind == 2 && !(out = fopen(argv[optind + 1], "w"))) {
        app_warn_errno(argv[optind + 1]);
        return 1;
    }

    char *prev = NULL, *line = NULL;
    size_t prev_len = 0, cap = 0, prev_cap = 0;
    uint64_t count = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) >= 0) {
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (count > 0 && same(prev, prev_len, line, (size_t)len)) {
            count++;
            continue;
        }
        if (count > 0)
            emit(out, prev, prev_len, count);
        if ((size_t)len + 1 > prev_cap)
            prev = app_xrealloc(prev, prev_cap = (size_t)len + 1);
        memcpy(prev, line, (size_t)len);
        prev_len = (size_t)len;
        count = 1;
    }
    if (count > 0)
        emit(out, prev, prev_len, count);
    int status = 0;
    if (ferror(in)) {
        app_warn_errno(optind < argc ? argv[optind] : "-");
        status = 1;
    }
    free(prev);
    free(line);
    if (out != stdout && fclose(out) != 0) {
        app_warn_errno(argv[optind + 1]);
        status = 1;
    }
    return app_finish(status);
}
