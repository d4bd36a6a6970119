/*
 * cat — concatenate files to standard output.
 *
 *   cat [-nbs] [FILE...]
 *
 * With no FILE, or for "-", read standard input. -n numbers every output
 * line, -b only non-empty ones, -s squeezes runs of empty lines into one
 * (GNU's meanings and "%6d\t" number format).
 */
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "app.h"

struct options {
    bool number, number_nonblank, squeeze;
};

/* Line-aware copy for -n/-b/-s; state carries across files as in GNU cat. */
static bool cat_lines(FILE *in, const struct options *o)
{
    static unsigned long line = 0;
    static bool at_line_start = true;
    static int empty_run = 0;
    int c;
    while ((c = getc(in)) != EOF) {
        if (at_line_start) {
            bool empty = c == '\n';
            empty_run = empty ? empty_run + 1 : 0;
            if (o->squeeze && empty_run > 1)
                continue;   /* drop this extra empty line */
            if (o->number_nonblank ? !empty : o->number)
                printf("%6lu\t", ++line);
        }
        putchar(c);
        at_line_start = c == '\n';
    }
    return !ferror(in);
}

int main(int argc, char **argv)
{
    app_init("cat");
    struct options o = { false, false, false };
    int c;
    while ((c = getopt(argc, argv, "nbsu")) != -1) {
        switch (c) {
        case 'n': o.number = true; break;
        case 'b': o.number_nonblank = true; break;
        case 's': o.squeeze = true; break;
        case 'u': break;   /* POSIX: unbuffered; output is written as it comes anyway */
        default: app_usage(1, "[-nbsu] [FILE...]");
        }
    }
    bool plain = !o.number && !o.number_nonblank && !o.squeeze;
    int status = 0;
    int nfiles;
    char **files = app_operands(argc, argv, &nfiles);
    for (; nfiles-- > 0; files++) {
        FILE *in = app_open_input(*files);
        if (!in) {
            status = 1;
            continue;
        }
        bool ok = plain ? app_copy_stream(in, stdout) : cat_lines(in, &o);
        if (!ok && ferror(in)) {
            app_warn_errno(*files);
            status = 1;
        }
        app_close_input(in);
        if (ferror(stdout))
            break;
    }
    return app_finish(status);
}
