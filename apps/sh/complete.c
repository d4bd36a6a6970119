/*
 * apps/sh/complete.c — Tab completion: the first word of a command
 * completes to a builtin or a program on $PATH (NAME for NAME.wasm), other
 * words to file names ("dir/" for directories). With several choices and
 * nothing more in common, a second Tab lists them.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sh.h"

struct choices {
    char **v;
    size_t n, cap;
};

static void add(struct choices *c, const char *text, size_t len)
{
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i]) == len && strncmp(c->v[i], text, len) == 0)
            return;   /* already there */
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->v = realloc(c->v, c->cap * sizeof *c->v);
        if (!c->v)
            exit(2);
    }
    char *s = malloc(len + 1);
    if (!s)
        exit(2);
    memcpy(s, text, len);
    s[len] = 0;
    c->v[c->n++] = s;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Entries of `dir` starting with `base`, as `shown` + name (+ "/"). */
static void add_files(struct choices *c, const char *dir, const char *shown, const char *base,
                      bool programs_only)
{
    DIR *d = opendir(dir[0] ? dir : ".");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || !starts_with(name, base))
            continue;
        if (name[0] == '.' && base[0] != '.')
            continue;
        char full[1024], text[1024];
        snprintf(full, sizeof full, "%s%s", dir[0] ? dir : "./", name);
        struct stat st;
        bool is_dir = stat(full, &st) == 0 && S_ISDIR(st.st_mode);
        size_t len = strlen(name);
        if (programs_only) {
            if (is_dir)
                continue;
            if (len > 5 && strcmp(name + len - 5, ".wasm") == 0)
                len -= 5;
            add(c, name, len);
            continue;
        }
        int n = snprintf(text, sizeof text, "%s%s%s", shown, name, is_dir ? "/" : "");
        if (n > 0 && (size_t)n < sizeof text)
            add(c, text, (size_t)n);
    }
    closedir(d);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Print the choices in rows as wide as 80 columns. */
static void list(int out, struct choices *c)
{
    size_t width = 0;
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->v[i]) > width)
            width = strlen(c->v[i]);
    size_t per_row = 80 / (width + 2);
    if (per_row == 0)
        per_row = 1;
    dprintf(out, "\r\n");
    for (size_t i = 0; i < c->n; i++)
        dprintf(out, "%-*s%s", (int)(width + 2), c->v[i], (i + 1) % per_row == 0 ? "\r\n" : "");
    if (c->n % per_row)
        dprintf(out, "\r\n");
}

void complete_line(struct edit *e, int out)
{
    size_t start = edit_word_start(e);
    char word[512];
    size_t len = e->cursor - start;
    if (len >= sizeof word)
        return;
    memcpy(word, e->buf + start, len);
    word[len] = 0;

    /* the first word of the line names a command */
    bool first = true;
    for (size_t i = 0; i < start; i++)
        if (e->buf[i] != ' ' && e->buf[i] != '\t')
            first = false;

    struct choices c = { 0 };
    if (first && !strchr(word, '/')) {
        for (size_t i = 0; builtin_name(i); i++)
            if (starts_with(builtin_name(i), word))
                add(&c, builtin_name(i), strlen(builtin_name(i)));
        const char *path = var_get("PATH");
        char dirs[1024];
        snprintf(dirs, sizeof dirs, "%s", path ? path : "/bin");
        char *save = NULL;
        for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
            char dir[1024];
            snprintf(dir, sizeof dir, "%s/", d);
            add_files(&c, dir, "", word, true);
        }
    } else {
        const char *slash = strrchr(word, '/');
        char dir[512] = "";
        if (slash)
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - word + 1), word);
        add_files(&c, dir, dir, slash ? slash + 1 : word, false);
    }
    qsort(c.v, c.n, sizeof *c.v, by_name);
    if (!edit_complete(e, start, c.v, c.n) && c.n > 1)
        list(out, &c);
    for (size_t i = 0; i < c.n; i++)
        free(c.v[i]);
    free(c.v);
}
