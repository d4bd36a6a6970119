/*
 * ls — list directory contents.
 *
 *   ls [-1aACdFhlRrSt] [FILE...]
 *
 * Names are sorted bytewise (the C locale); -t by modification time and
 * -S by size (largest first), -r reverses. Output is one name per line
 * unless standard output is a terminal, where names go in columns as wide
 * as $COLUMNS (default 80); -C and -1 force either. -l gives, per entry,
 * its type (WASI reports no permission bits or owners, so ls shows none),
 * link count, size, modification time (UTC) and name, with "-> target"
 * for symbolic links. Directories given as operands are listed with a
 * "NAME:" header when there is more than one operand or with -R.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

struct entry {
    char *name;        /* as shown */
    char *path;        /* to stat and recurse into */
    struct stat st;
    bool stat_ok;
};

static bool opt_all, opt_almost_all, opt_long, opt_one, opt_columns, opt_dir, opt_classify,
    opt_human, opt_recursive, opt_reverse, opt_time, opt_size;
static int status;

static int compare_entries(const void *pa, const void *pb)
{
    const struct entry *a = pa, *b = pb;
    int c = 0;
    if (opt_time && a->st.st_mtim.tv_sec != b->st.st_mtim.tv_sec)
        c = a->st.st_mtim.tv_sec > b->st.st_mtim.tv_sec ? -1 : 1;
    else if (opt_time && a->st.st_mtim.tv_nsec != b->st.st_mtim.tv_nsec)
        c = a->st.st_mtim.tv_nsec > b->st.st_mtim.tv_nsec ? -1 : 1;
    else if (opt_size && a->st.st_size != b->st.st_size)
        c = a->st.st_size > b->st.st_size ? -1 : 1;
    if (c == 0)
        c = strcmp(a->name, b->name);
    return opt_reverse ? -c : c;
}

static char type_char(mode_t m)
{
    if (S_ISDIR(m))
        return 'd';
    if (S_ISLNK(m))
        return 'l';
    if (S_ISCHR(m))
        return 'c';
    if (S_ISBLK(m))
        return 'b';
    if (S_ISFIFO(m))
        return 'p';
    if (S_ISSOCK(m))
        return 's';
    return '-';
}

static const char *classify_suffix(const struct entry *e)
{
    if (!opt_classify || !e->stat_ok)
        return "";
    if (S_ISDIR(e->st.st_mode))
        return "/";
    if (S_ISLNK(e->st.st_mode))
        return "@";
    if (S_ISFIFO(e->st.st_mode))
        return "|";
    if (S_ISSOCK(e->st.st_mode))
        return "=";
    return "";
}

static int digits(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static void print_long(struct entry *v, size_t n)
{
    int nlink_w = 1, size_w = 1;
    for (size_t i = 0; i < n; i++) {
        char h[16];
        int w = digits((uint64_t)v[i].st.st_nlink);
        if (w > nlink_w)
            nlink_w = w;
        if (opt_human) {
            app_human_size((uint64_t)v[i].st.st_size, h, sizeof h);
            w = (int)strlen(h);
        } else {
            w = digits((uint64_t)v[i].st.st_size);
        }
        if (w > size_w)
            size_w = w;
    }
    for (size_t i = 0; i < n; i++) {
        struct entry *e = &v[i];
        char when[32] = "-";
        struct tm tm;
        time_t t = e->st.st_mtim.tv_sec;
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof when, "%Y-%m-%d %H:%M", &tm);
        char size[24];
        if (opt_human)
            app_human_size((uint64_t)e->st.st_size, size, sizeof size);
        else
            snprintf(size, sizeof size, "%llu", (unsigned long long)e->st.st_size);
        printf("%c %*llu %*s %s %s%s", e->stat_ok ? type_char(e->st.st_mode) : '?', nlink_w,
               (unsigned long long)e->st.st_nlink, size_w, size, when, e->name, classify_suffix(e));
        if (S_ISLNK(e->st.st_mode)) {
            char target[1024];
            ssize_t len = readlink(e->path, target, sizeof target - 1);
            if (len >= 0) {
                target[len] = 0;
                printf(" -> %s", target);
            }
        }
        putchar('\n');
    }
}

/* Names in columns, filled top to bottom, as wide as the terminal. */
static void print_columns(struct entry *v, size_t n)
{
    int width = 80;
    const char *cols = getenv("COLUMNS");
    if (cols && atoi(cols) > 0)
        width = atoi(cols);
    size_t longest = 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i].name) + strlen(classify_suffix(&v[i]));
        if (len > longest)
            longest = len;
    }
    size_t col_width = longest + 2;
    size_t ncols = (size_t)width / col_width;
    if (ncols < 1)
        ncols = 1;
    size_t nrows = (n + ncols - 1) / ncols;
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            size_t i = c * nrows + r;
            if (i >= n)
                break;
            bool last = c + 1 == ncols || (c + 1) * nrows + r >= n;
            int len = printf("%s%s", v[i].name, classify_suffix(&v[i]));
            if (!last)
                printf("%*s", (int)col_width - len, "");
        }
        putchar('\n');
    }
}

static void print_entries(struct entry *v, size_t n)
{
    qsort(v, n, sizeof *v, compare_entries);
    if (opt_long) {
        print_long(v, n);
    } else if (opt_columns && !opt_one) {
        print_columns(v, n);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%s%s\n", v[i].name, classify_suffix(&v[i]));
    }
}

static void free_entries(struct entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].path);
    }
    free(v);
}

static void add_entry(struct entry **v, size_t *n, size_t *cap, const char *dir, const char *name)
{
    if (*n == *cap)
        *v = app_xrealloc(*v, (*cap = *cap ? *cap * 2 : 64) * sizeof **v);
    struct entry *e = &(*v)[(*n)++];
    e->name = app_xstrdup(name);
    e->path = app_join_path(dir, name);
    e->stat_ok = lstat(e->path, &e->st) == 0;
    if (!e->stat_ok)
        memset(&e->st, 0, sizeof e->st);
}

/* The entries of directory `path` (with . and .. if -a). */
static void list_directory(const char *path, bool header, bool *first)
{
    DIR *d = opendir(path);
    if (!d) {
        app_warn("cannot open directory '%s': %s", path, strerror(errno));
        status = 2;
        return;
    }
    struct entry *v = NULL;
    size_t n = 0, cap = 0;
    /* "." and ".." come from us: not every WASI host's readdir lists them. */
    static const char *const dot_names[2] = { ".", ".." };
    for (int i = 0; opt_all && i < 2; i++)
        add_entry(&v, &n, &cap, path, dot_names[i]);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (name[0] == '.' && !opt_all && !opt_almost_all)
            continue;
        add_entry(&v, &n, &cap, path, name);
    }
    closedir(d);

    if (header) {
        printf("%s%s:\n", *first ? "" : "\n", path);
    } else if (!*first) {
        putchar('\n');
    }
    *first = false;
    print_entries(v, n);

    if (opt_recursive) {
        /* print_entries sorted v: recurse in display order */
        for (size_t i = 0; i < n; i++) {
            if (v[i].stat_ok && S_ISDIR(v[i].st.st_mode) && strcmp(v[i].name, ".") != 0 &&
                strcmp(v[i].name, "..") != 0)
                list_directory(v[i].path, true, first);
        }
    }
    free_entries(v, n);
}

int main(int argc, char **argv)
{
    app_init("ls");
    opt_columns = isatty(1);
    int c;
    while ((c = getopt(argc, argv, "1aACdFhlRrSt")) != -1) {
        switch (c) {
        case '1': opt_one = true; opt_columns = false; break;
        case 'a': opt_all = true; break;
        case 'A': opt_almost_all = true; break;
        case 'C': opt_columns = true; opt_one = false; break;
        case 'd': opt_dir = true; break;
        case 'F': opt_classify = true; break;
        case 'h': opt_human = true; break;
        case 'l': opt_long = true; break;
        case 'R': opt_recursive = true; break;
        case 'r': opt_reverse = true; break;
        case 'S': opt_size = true; break;
        case 't': opt_time = true; break;
        default: app_usage(2, "[-1aACdFhlRrSt] [FILE...]");
        }
    }
    char *dot[] = { ".", NULL };
    char **operands = optind < argc ? argv + optind : dot;
    int noperands = optind < argc ? argc - optind : 1;

    /* Operands: files (and, with -d, directories) are listed together
     * first; then each directory. */
    struct entry *files = app_xmalloc((size_t)noperands * sizeof *files);
    struct entry *dirs = app_xmalloc((size_t)noperands * sizeof *dirs);
    size_t nfiles = 0, ndirs = 0;
    for (int i = 0; i < noperands; i++) {
        struct entry e;
        e.name = app_xstrdup(operands[i]);
        e.path = app_xstrdup(operands[i]);
        /* follow a symlink operand to a directory, as ls does without -l */
        bool ok = (opt_long || opt_dir) ? lstat(e.path, &e.st) == 0 : stat(e.path, &e.st) == 0;
        if (!ok && lstat(e.path, &e.st) != 0) {
            app_warn("cannot access '%s': %s", operands[i], strerror(errno));
            status = 2;
            free(e.name);
            free(e.path);
            continue;
        }
        e.stat_ok = true;
        if (S_ISDIR(e.st.st_mode) && !opt_dir)
            dirs[ndirs++] = e;
        else
            files[nfiles++] = e;
    }
    bool first = true;
    if (nfiles > 0) {
        print_entries(files, nfiles);
        first = false;
    }
    qsort(dirs, ndirs, sizeof *dirs, compare_entries);
    bool headers = noperands > 1 || opt_recursive;
    for (size_t i = 0; i < ndirs; i++)
        list_directory(dirs[i].path, headers, &first);
    free_entries(files, nfiles);
    free_entries(dirs, ndirs);
    return app_finish(status);
}
