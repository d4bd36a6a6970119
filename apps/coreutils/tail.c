/*
 * tail — the last part of files.
 *
 *   tail [-n [+]N | -c [+]N | -N] [-f] [-qv] [FILE...]
 *
 * The last N lines (default 10) or bytes; with +N, everything from line
 * (or byte) N on. Several files get "==> NAME <==" headers as in head.
 * -f keeps reading a file as it grows (until the process is killed).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"

/* Read all of in into a malloc'd buffer. */
static char *slurp(FILE *in, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = app_xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, in)) > 0) {
        n += got;
        if (n == cap)
            buf = app_xrealloc(buf, cap *= 2);
    }
    *len = n;
    return buf;
}

/* The offset in buf[0..len) where output starts. */
static size_t start_offset(const char *buf, size_t len, uint64_t count, bool bytes, bool from_start)
{
    if (bytes) {
        if (from_start)
            return count == 0 ? 0 : (count - 1 < len ? (size_t)(count - 1) : len);
        return count < len ? len - (size_t)count : 0;
    }
    if (from_start) {
        uint64_t line = 1;
        size_t i = 0;
        while (line < count && i < len)
            if (buf[i++] == '\n')
                line++;
        return i;
    }
    /* Walk back over count line ends; a final line without '\n' counts too. */
    size_t i = len;
    if (i > 0 && buf[i - 1] == '\n')
        i--;
    uint64_t seen = 0;
    while (i > 0) {
        if (buf[i - 1] == '\n' && ++seen == count)
            return i;
        i--;
    }
    return count == 0 ? len : 0;
}

/* -f: print what is appended to in, forever. */
static void follow(FILE *in)
{
    char buf[4096];
    for (;;) {
        size_t n = fread(buf, 1, sizeof buf, in);
        if (n > 0) {
            fwrite(buf, 1, n, stdout);
            fflush(stdout);
            continue;
        }
        clearerr(in);
        struct timespec ts = { 0, 200 * 1000000 };
        nanosleep(&ts, NULL);
    }
}

int main(int argc, char **argv)
{
    app_init("tail");
    uint64_t count = 10;
    bool bytes = false, from_start = false, follow_on = false;
    int headers = 0;

    app_obsolete_count(&argc, &argv, &count);
    int c;
    char sign;
    while ((c = getopt(argc, argv, "n:c:fqv")) != -1) {
        switch (c) {
        case 'n':
        case 'c':
            app_count_option(c, optarg, &count, &sign);
            bytes = c == 'c';
            from_start = sign == '+';
            break;
        case 'f': follow_on = true; break;
        case 'q': headers = -1; break;
        case 'v': headers = 1; break;
        default: app_usage(1, "[-n [+]N | -c [+]N] [-f] [-qv] [FILE...]");
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
        size_t len;
        char *buf = slurp(in, &len);
        if (ferror(in)) {
            app_warn_errno(files[i]);
            status = 1;
        }
        size_t start = start_offset(buf, len, count, bytes, from_start);
        fwrite(buf + start, 1, len - start, stdout);
        free(buf);
        if (follow_on && i == nfiles - 1) {
            fflush(stdout);
            follow(in);
        }
        app_close_input(in);
    }
    return app_finish(status);
}
