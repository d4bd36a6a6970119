/*
 * wc — count lines, words and bytes.
 *
 *   wc [-lwcm] [FILE...]
 *
 * Without options: lines, words, bytes. Words are runs of non-space bytes
 * (spaces as isspace() in the C locale); -m counts UTF-8 characters (bytes
 * that do not continue a sequence). Output and column widths follow GNU
 * wc: one count for one operand is printed without padding; otherwise
 * every count is padded to the digits of the total size of the regular
 * files, or to 7 when an operand is not a regular file.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"

struct counts {
    uint64_t lines, words, chars, bytes;
};

static bool want_lines, want_words, want_chars, want_bytes;

static bool count_stream(FILE *in, struct counts *c)
{
    unsigned char buf[16384];
    bool in_word = false;
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        c->bytes += n;
        for (size_t i = 0; i < n; i++) {
            unsigned char b = buf[i];
            if (b == '\n')
                c->lines++;
            if ((b & 0xC0) != 0x80)
                c->chars++;
            if (isspace(b)) {
                in_word = false;
            } else if (!in_word) {
                in_word = true;
                c->words++;
            }
        }
    }
    return !ferror(in);
}

static void print_counts(const struct counts *c, int width, const char *name)
{
    const char *sep = "";
    if (want_lines) {
        printf("%s%*llu", sep, width, (unsigned long long)c->lines);
        sep = " ";
    }
    if (want_words) {
        printf("%s%*llu", sep, width, (unsigned long long)c->words);
        sep = " ";
    }
    if (want_chars) {
        printf("%s%*llu", sep, width, (unsigned long long)c->chars);
        sep = " ";
    }
    if (want_bytes)
        printf("%s%*llu", sep, width, (unsigned long long)c->bytes);
    if (name)
        printf(" %s", name);
    putchar('\n');
}

/* The column width, decided from the operands before any is read. */
static int column_width(char **files, int nfiles, int ncounts)
{
    if (nfiles == 1 && ncounts == 1)
        return 1;
    uint64_t regular_total = 0;
    int minimum = 1;
    for (int i = 0; i < nfiles; i++) {
        struct stat st;
        int r = strcmp(files[i], "-") == 0 ? fstat(0, &st) : stat(files[i], &st);
        if (r != 0)
            continue;   /* reported when it is read */
        if (S_ISREG(st.st_mode))
            regular_total += (uint64_t)st.st_size;
        else
            minimum = 7;
    }
    int width = 1;
    for (; regular_total >= 10; regular_total /= 10)
        width++;
    return width < minimum ? minimum : width;
}

int main(int argc, char **argv)
{
    app_init("wc");
    int c;
    while ((c = getopt(argc, argv, "lwcm")) != -1) {
        switch (c) {
        case 'l': want_lines = true; break;
        case 'w': want_words = true; break;
        case 'c': want_bytes = true; break;
        case 'm': want_chars = true; break;
        default: app_usage(1, "[-lwcm] [FILE...]");
        }
    }
    if (!want_lines && !want_words && !want_chars && !want_bytes)
        want_lines = want_words = want_bytes = true;
    int ncounts = want_lines + want_words + want_chars + want_bytes;

    bool named = optind < argc;
    int nfiles;
    char **files = app_operands(argc, argv, &nfiles);
    int width = column_width(files, nfiles, ncounts);

    struct counts total = { 0, 0, 0, 0 };
    int status = 0;
    for (int i = 0; i < nfiles; i++) {
        FILE *in = app_open_operand(files, i, false, &status);
        if (!in)
            continue;
        struct counts one = { 0, 0, 0, 0 };
        if (!count_stream(in, &one)) {
            app_warn_errno(files[i]);
            status = 1;
        }
        app_close_input(in);
        print_counts(&one, width, named ? files[i] : NULL);
        total.lines += one.lines;
        total.words += one.words;
        total.chars += one.chars;
        total.bytes += one.bytes;
    }
    if (nfiles > 1)
        print_counts(&total, width, "total");
    return app_finish(status);
}
