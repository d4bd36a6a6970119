/*
 * hexdump — display file contents in hexadecimal.
 *
 *   hexdump [-Cv] [-n LENGTH] [-s OFFSET] [FILE...]
 *
 * The default display is util-linux's: a 7-digit hex offset and eight
 * 16-bit little-endian words per 16-byte line. -C is the canonical
 * display: an 8-digit offset, 16 bytes in two groups of eight, and the
 * printable characters between bars. A line equal to the one before is
 * shown as a single "*" (unless -v). The last line gives the total length.
 * Several files are dumped as one stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

static bool canonical, verbose;

static void print_line(uint64_t offset, const unsigned char *b, size_t n)
{
    if (canonical) {
        printf("%08llx ", (unsigned long long)offset);
        for (size_t i = 0; i < 16; i++) {
            if (i == 8)
                putchar(' ');
            if (i < n)
                printf(" %02x", b[i]);
            else
                printf("   ");
        }
        printf("  |");
        for (size_t i = 0; i < n; i++)
            putchar(b[i] >= 0x20 && b[i] < 0x7F ? b[i] : '.');
        printf("|\n");
        return;
    }
    printf("%07llx", (unsigned long long)offset);
    for (size_t i = 0; i < 16; i += 2) {
        if (i < n)
            printf(" %04x", b[i] | (i + 1 < n ? b[i + 1] : 0) << 8);
        else if (n < 16)
            printf("     ");
    }
    putchar('\n');
}

/* The dump state across files: one continuous stream. */
struct dumper {
    unsigned char line[16], prev[16];
    size_t fill;
    uint64_t offset;            /* of line[0] */
    bool have_prev, starred;
};

static void flush_line(struct dumper *d)
{
    if (d->fill == 16 && d->have_prev && !verbose && memcmp(d->line, d->prev, 16) == 0) {
        if (!d->starred)
            printf("*\n");
        d->starred = true;
    } else {
        print_line(d->offset, d->line, d->fill);
        d->starred = false;
    }
    memcpy(d->prev, d->line, 16);
    d->have_prev = d->fill == 16;
    d->offset += d->fill;
    d->fill = 0;
}

int main(int argc, char **argv)
{
    app_init("hexdump");
    uint64_t limit = UINT64_MAX, skip = 0;
    int c;
    while ((c = getopt(argc, argv, "Cvn:s:")) != -1) {
        switch (c) {
        case 'C': canonical = true; break;
        case 'v': verbose = true; break;
        case 'n':
            if (!app_parse_u64(optarg, &limit))
                app_die(1, "invalid length: %s", optarg);
            break;
        case 's':
            if (!app_parse_u64(optarg, &skip))
                app_die(1, "invalid offset: %s", optarg);
            break;
        default: app_usage(1, "[-Cv] [-n LENGTH] [-s OFFSET] [FILE...]");
        }
    }
    struct dumper d;
    memset(&d, 0, sizeof d);
    d.offset = skip;
    int status = 0;
    int nfiles;
    char **files = app_operands(argc, argv, &nfiles);
    uint64_t done = 0;
    for (; nfiles-- > 0 && done < limit; files++) {
        FILE *in = app_open_input(*files);
        if (!in) {
            status = 1;
            continue;
        }
        int ch;
        while (done < limit && (ch = getc(in)) != EOF) {
            if (skip > 0) {
                skip--;
                continue;
            }
            d.line[d.fill++] = (unsigned char)ch;
            done++;
            if (d.fill == 16)
                flush_line(&d);
        }
        if (ferror(in)) {
            app_warn_errno(*files);
            status = 1;
        }
        app_close_input(in);
    }
    if (d.fill > 0)
        flush_line(&d);
    if (d.offset > 0 || done > 0)
        printf(canonical ? "%08llx\n" : "%07llx\n", (unsigned long long)d.offset);
    return app_finish(status);
}
