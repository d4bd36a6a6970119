/*
 * notes — keep short notes in a file: an example KPIO app that uses only
 * WASI (files, clocks). Its package asks for read-write access to
 * /data/notes and nothing else.
 *
 *   notes add TEXT...     add a note
 *   notes list            every note with its number and date
 *   notes search WORD     the notes that contain WORD (any case)
 *   notes delete N        remove note N
 *
 * Notes live in $NOTES_DIR/notes.txt (default /data/notes), one per line:
 * seconds since 1970, a tab, the text.
 */
#define _GNU_SOURCE   /* strcasestr */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

static char path[512];

static int fail(const char *what)
{
    fprintf(stderr, "notes: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Read every note into a NULL-terminated array of lines. */
static char **load(size_t *count)
{
    char **lines = NULL;
    size_t n = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, f)) > 0) {
            if (line[len - 1] == '\n')
                line[len - 1] = 0;
            lines = realloc(lines, (n + 2) * sizeof *lines);
            lines[n++] = strdup(line);
        }
        free(line);
        fclose(f);
    }
    *count = n;
    return lines;
}

static void free_lines(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

static void print_note(size_t number, const char *line)
{
    char *tab = strchr(line, '\t');
    time_t t = (time_t)strtoll(line, NULL, 10);
    struct tm tm;
    char date[32] = "?";
    if (gmtime_r(&t, &tm))
        strftime(date, sizeof date, "%Y-%m-%d %H:%M", &tm);
    printf("%3zu  %s  %s\n", number, date, tab ? tab + 1 : line);
}

static int add(int argc, char **argv)
{
    char text[4096] = "";
    for (int i = 2; i < argc; i++) {
        if (strlen(text) + strlen(argv[i]) + 2 > sizeof text) {
            fprintf(stderr, "notes: note too long\n");
            return 1;
        }
        if (i > 2)
            strcat(text, " ");
        strcat(text, argv[i]);
    }
    if (!text[0] || strpbrk(text, "\n\t")) {
        fprintf(stderr, "notes: a note is one line of text\n");
        return 2;
    }
    FILE *f = fopen(path, "a");
    if (!f)
        return fail(path);
    fprintf(f, "%lld\t%s\n", (long long)time(NULL), text);
    if (fclose(f) != 0)
        return fail(path);
    size_t n;
    free_lines(load(&n), n);
    printf("note %zu added\n", n);
    return 0;
}

static int delete(const char *arg)
{
    size_t n;
    char **lines = load(&n);
    char *end;
    unsigned long which = strtoul(arg, &end, 10);
    if (*end || which == 0 || which > n) {
        fprintf(stderr, "notes: no note %s\n", arg);
        free_lines(lines, n);
        return 1;
    }
    /* write the rest to a new file, then replace the old one */
    char tmp[sizeof path + 8];
    snprintf(tmp, sizeof tmp, "%s.new", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return fail(tmp);
    for (size_t i = 0; i < n; i++)
        if (i + 1 != which)
            fprintf(f, "%s\n", lines[i]);
    free_lines(lines, n);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        return fail(path);
    printf("note %lu deleted\n", which);
    return 0;
}

int main(int argc, char **argv)
{
    const char *dir = getenv("NOTES_DIR");
    if (!dir)
        dir = "/data/notes";
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    mkdir(dir, 0755);   /* first use */

    if (argc >= 3 && strcmp(argv[1], "add") == 0)
        return add(argc, argv);
    if (argc == 3 && strcmp(argv[1], "delete") == 0)
        return delete(argv[2]);
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        size_t n;
        char **lines = load(&n);
        for (size_t i = 0; i < n; i++)
            print_note(i + 1, lines[i]);
        free_lines(lines, n);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "search") == 0) {
        size_t n, found = 0;
        char **lines = load(&n);
        for (size_t i = 0; i < n; i++) {
            const char *tab = strchr(lines[i], '\t');
            if (tab && strcasestr(tab + 1, argv[2])) {
                print_note(i + 1, lines[i]);
                found++;
            }
        }
        free_lines(lines, n);
        return found ? 0 : 1;
    }
    fprintf(stderr, "usage: notes add TEXT... | list | search WORD | delete N\n");
    return 2;
}
