/*
 * grep — print lines that match patterns.
 *
 *   grep [-EFivnclLqshHoxwr] [-e PATTERN]... [PATTERN] [FILE...]
 *
 * Patterns are POSIX basic regular expressions, extended ones with -E, or
 * fixed strings with -F; several can be given with -e or separated by
 * newlines. Exit status: 0 if a line was selected, 1 if none, 2 on error
 * (0 with -q as soon as a line matches).
 */
#include <dirent.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

static bool opt_extended, opt_fixed, opt_icase, opt_invert, opt_number, opt_count,
    opt_files_with, opt_files_without, opt_quiet, opt_silent, opt_only, opt_line, opt_word,
    opt_recursive;
static int opt_names = -1;      /* -H 1, -h 0, -1: when several files */

static char **patterns;
static size_t npatterns;
static regex_t *regexes;
static bool any_selected, any_error;
static bool implicit_dot;        /* -r without operands: names without "./" */

static void add_patterns(const char *text)
{
    /* a pattern with newlines is several patterns */
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *one = app_xmalloc(n + 1);
        memcpy(one, p, n);
        one[n] = 0;
        patterns = app_xrealloc(patterns, (npatterns + 1) * sizeof *patterns);
        patterns[npatterns++] = one;
        if (!nl)
            break;
        p = nl + 1;
    }
}

static void compile_patterns(void)
{
    if (opt_fixed)
        return;
    regexes = app_xmalloc(npatterns * sizeof *regexes);
    int flags = (opt_extended ? REG_EXTENDED : 0) | (opt_icase ? REG_ICASE : 0);
    for (size_t i = 0; i < npatterns; i++) {
        int r = regcomp(&regexes[i], patterns[i], flags);
        if (r != 0) {
            char msg[256];
            regerror(r, &regexes[i], msg, sizeof msg);
            app_die(2, "%s: %s", patterns[i], msg);
        }
    }
}

static bool is_word_char(char c)
{
    return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Find pattern i in line[from..len) (line is NUL-terminated at len):
 * true with the match in [*so, *eo). */
static bool find_one(size_t i, const char *line, size_t len, size_t from, size_t *so, size_t *eo)
{
    if (opt_fixed) {
        const char *pat = patterns[i];
        size_t plen = strlen(pat);
        for (size_t s = from; s + plen <= len; s++) {
            if ((opt_icase ? strncasecmp(line + s, pat, plen) : memcmp(line + s, pat, plen)) == 0) {
                *so = s;
                *eo = s + plen;
                return true;
            }
        }
        return false;
    }
    regmatch_t m;
    if (regexec(&regexes[i], line + from, 1, &m, from > 0 ? REG_NOTBOL : 0) != 0)
        return false;
    *so = from + (size_t)m.rm_so;
    *eo = from + (size_t)m.rm_eo;
    return true;
}

/* The first acceptable match of any pattern at or after `from` (-x and
 * -w constrain what is acceptable). */
static bool find_match(const char *line, size_t len, size_t from, size_t *so, size_t *eo)
{
    bool found = false;
    for (size_t i = 0; i < npatterns; i++) {
        size_t start = from, s, e;
        while (start <= len && find_one(i, line, len, start, &s, &e)) {
            bool ok = true;
            if (opt_line)
                ok = s == 0 && e == len;
            else if (opt_word)
                ok = (s == 0 || !is_word_char(line[s - 1])) && (e == len || !is_word_char(line[e])) &&
                     e > s;
            if (ok) {
                if (!found || s < *so || (s == *so && e > *eo)) {
                    *so = s;
                    *eo = e;
                    found = true;
                }
                break;
            }
            if (opt_line)
                break;
            start = s + 1;
        }
    }
    return found;
}

static void print_prefix(const char *name, bool show_name, unsigned long lineno)
{
    if (show_name)
        printf("%s:", name);
    if (opt_number)
        printf("%lu:", lineno);
}

/* Search one stream; returns the number of selected lines. */
static unsigned long grep_stream(FILE *in, const char *name, bool show_name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0, selected = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = 0;
        size_t so, eo;
        bool match = find_match(line, (size_t)len, 0, &so, &eo);
        if (match == opt_invert)
            continue;
        selected++;
        any_selected = true;
        if (opt_quiet)
            exit(0);
        if (opt_count || opt_files_with || opt_files_without)
            continue;
        if (opt_only && !opt_invert) {
            /* every non-empty match on the line, left to right */
            size_t from = 0;
            while (from <= (size_t)len && find_match(line, (size_t)len, from, &so, &eo)) {
                if (eo > so) {
                    print_prefix(name, show_name, lineno);
                    fwrite(line + so, 1, eo - so, stdout);
                    putchar('\n');
                }
                from = eo > so ? eo : so + 1;
            }
            continue;
        }
        print_prefix(name, show_name, lineno);
        fwrite(line, 1, (size_t)len, stdout);
        putchar('\n');
    }
    free(line);
    return selected;
}

static void grep_path(const char *path, bool show_name);

/* -r: every entry of a directory, in name order. */
static void grep_directory(const char *path, bool show_name)
{
    struct dirent **entries;
    int n = scandir(path, &entries, NULL, alphasort);
    if (n < 0) {
        if (!opt_silent)
            app_warn_errno(path);
        any_error = true;
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *e = entries[i]->d_name;
        if (strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
            char *child = implicit_dot && strcmp(path, ".") == 0 ? app_xstrdup(e)
                                                                : app_join_path(path, e);
            grep_path(child, show_name);
            free(child);
        }
        free(entries[i]);
    }
    free(entries);
}

static void grep_path(const char *path, bool show_name)
{
    struct stat st;
    if (opt_recursive && strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        grep_directory(path, show_name);
        return;
    }
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        if (!opt_silent)
            app_warn_errno(path);
        any_error = true;
        return;
    }
    const char *name = in == stdin ? "(standard input)" : path;
    unsigned long selected = grep_stream(in, name, show_name);
    if (ferror(in)) {
        if (!opt_silent)
            app_warn_errno(path);
        any_error = true;
    }
    app_close_input(in);
    if (opt_count) {
        if (show_name)
            printf("%s:", name);
        printf("%lu\n", selected);
    }
    if ((opt_files_with && selected > 0) || (opt_files_without && selected == 0))
        printf("%s\n", name);
}

int main(int argc, char **argv)
{
    app_init("grep");
    int c;
    while ((c = getopt(argc, argv, "EFGivnclLqshHoxwre:")) != -1) {
        switch (c) {
        case 'E': opt_extended = true; opt_fixed = false; break;
        case 'F': opt_fixed = true; opt_extended = false; break;
        case 'G': opt_fixed = opt_extended = false; break;
        case 'i': opt_icase = true; break;
        case 'v': opt_invert = true; break;
        case 'n': opt_number = true; break;
        case 'c': opt_count = true; break;
        case 'l': opt_files_with = true; break;
        case 'L': opt_files_without = true; break;
        case 'q': opt_quiet = true; break;
        case 's': opt_silent = true; break;
        case 'h': opt_names = 0; break;
        case 'H': opt_names = 1; break;
        case 'o': opt_only = true; break;
        case 'x': opt_line = true; break;
        case 'w': opt_word = true; break;
        case 'r': opt_recursive = true; break;
        case 'e': add_patterns(optarg); break;
        default: app_usage(2, "[-EFivnclLqshHoxwr] [-e PATTERN]... [PATTERN] [FILE...]");
        }
    }
    if (npatterns == 0) {
        if (optind >= argc)
            app_usage(2, "[-EFivnclLqshHoxwr] [-e PATTERN]... [PATTERN] [FILE...]");
        add_patterns(argv[optind++]);
    }
    compile_patterns();

    char *default_files[] = { opt_recursive ? "." : "-", NULL };
    implicit_dot = opt_recursive && optind >= argc;
    char **files = optind < argc ? argv + optind : default_files;
    int nfiles = optind < argc ? argc - optind : 1;
    bool show_name = opt_names == 1 || (opt_names == -1 && (nfiles > 1 || opt_recursive));
    for (int i = 0; i < nfiles; i++)
        grep_path(files[i], show_name);
    int status = any_error ? 2 : any_selected ? 0 : 1;
    return app_finish(status);
}
