/*
 * head — the first part of files.
 *
 *   head [-n [-]N | -c [-]N | -N] [-qv] [FILE...]
 *
 * The first N lines (default 10) or bytes. As GNU head, a negative count
 * prints all but the last N. With several files each gets a header
 * "==> NAME <==" (-q never, -v always).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

/* The first n lines (or bytes) of in. */
static void head_first(FILE *in, uint64_t n, bool bytes)
{
    int c;
    while (n > 0 && (c = getc(in)) != EOF) {
        putchar(c);
        if (bytes || c == '\n')
            n--;
    }
}

/* All but the last n lines (or bytes): hold n units back in a ring. */
static void head_all_but(FILE *in, uint64_t n, bool bytes)
{
    if (bytes) {
        unsigned char *ring = app_xmalloc(n + 1);
        uint64_t count = 0;
        int c;
        while ((c = getc(in)) != EOF) {
            if (n == 0) {
                putchar(c);
                continue;
            }
            if (count >= n)
                putchar(ring[count % n]);
            ring[count % n] = (unsigned char)c;
            count++;
        }
        free(ring);
        return;
    }
    char **ring = calloc(n + 1, sizeof(char *));
    size_t *lens = calloc(n + 1, sizeof(size_t));
    if (!ring || !lens)
        app_die(1, "out of memory");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    uint64_t count = 0;
    while ((len = getline(&line, &cap, in)) >= 0) {
        if (n == 0) {
            fwrite(line, 1, (size_t)len, stdout);
            continue;
        }
        uint64_t slot = count % n;
        if (count >= n)
            fwrite(ring[slot], 1, lens[slot], stdout);
        free(ring[slot]);
        ring[slot] = app_xmalloc((size_t)len);
        memcpy(ring[slot], line, (size_t)len);
        lens[slot] = (size_t)len;
        count++;
    }
    for (uint64_t i = 0; i < n; i++)
        free(ring[i]);
    free(ring);
    free(lens);
    free(line);
}

int main(int argc, char **argv)
{
    app_init("head");
    uint64_t count = 10;
    bool bytes = false, all_but = false;
    int headers = 0;   /* 0 = when several files, 1 = always, -1 = never */

    app_obsolete_count(&argc, &argv, &count);
    int c;
    char sign;
    while ((c = getopt(argc, argv, "n:c:qv")) != -1) {
        switch (c) {
        case 'n':
        case 'c':
            app_count_option(c, optarg, &count, &sign);
            bytes = c == 'c';
            all_but = sign == '-';
            break;
        case 'q': headers = -1; break;
        case 'v': headers = 1; break;
        default: app_usage(1, "[-n [-]N | -c [-]N] [-qv] [FILE...]");
        }
    }
    int nfiles;
    char **files = app_operands(argc, argv, &nfiles);
    bool show = headers == 1 || (headers == 0 && nfiles > 1);
    int status = 0;
    for (int i = 0; i < nfiles; i++) {
        FILE *in = app_open_operand(files, i, show, &status);
        if (!in)
            continue;
        if (all_but)
            head_all_but(in, count, bytes);
        else
            head_first(in, count, bytes);
        if (ferror(in)) {
            app_warn_errno(files[i]);
            status = 1;
        }
        app_close_input(in);
    }
    return app_finish(status);
}
