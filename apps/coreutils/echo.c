/*
 * echo — write arguments separated by spaces, then a newline.
 *
 *   echo [-neE] [STRING...]
 *
 * As GNU echo: -n drops the newline, -e interprets backslash escapes
 * (\\ \a \b \c \e \f \n \r \t \v \0NNN \xHH), -E turns them off (the
 * default). An argument counts as options only if it is '-' followed by
 * nothing but those letters; the first other argument ends the options.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app.h"

static bool is_option_word(const char *s)
{
    if (s[0] != '-' || s[1] == 0)
        return false;
    for (s++; *s; s++)
        if (*s != 'n' && *s != 'e' && *s != 'E')
            return false;
    return true;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Print s with escapes interpreted; returns false after \c (stop all output). */
static bool print_escaped(const char *s)
{
    while (*s) {
        char c = *s++;
        if (c != '\\' || *s == 0) {
            putchar(c);
            continue;
        }
        c = *s++;
        switch (c) {
        case 'a': putchar('\a'); break;
        case 'b': putchar('\b'); break;
        case 'c': return false;
        case 'e': putchar(0x1B); break;
        case 'f': putchar('\f'); break;
        case 'n': putchar('\n'); break;
        case 'r': putchar('\r'); break;
        case 't': putchar('\t'); break;
        case 'v': putchar('\v'); break;
        case '\\': putchar('\\'); break;
        case '0': {
            int v = 0;
            for (int i = 0; i < 3 && *s >= '0' && *s <= '7'; i++)
                v = v * 8 + (*s++ - '0');
            putchar(v);
            break;
        }
        case 'x':
            if (hex_value(*s) >= 0) {
                int v = hex_value(*s++);
                if (hex_value(*s) >= 0)
                    v = v * 16 + hex_value(*s++);
                putchar(v);
                break;
            }
            /* fall through: "\x" without digits is printed as is */
        default:
            putchar('\\');
            putchar(c);
            break;
        }
    }
    return true;
}

int main(int argc, char **argv)
{
    app_init("echo");
    bool newline = true, escapes = false;
    int i = 1;
    for (; i < argc && is_option_word(argv[i]); i++) {
        for (const char *p = argv[i] + 1; *p; p++) {
            if (*p == 'n')
                newline = false;
            else if (*p == 'e')
                escapes = true;
            else
                escapes = false;
        }
    }
    for (int first = i; i < argc; i++) {
        if (i > first)
            putchar(' ');
        if (!escapes)
            fputs(argv[i], stdout);
        else if (!print_escaped(argv[i]))
            return app_finish(0);
    }
    if (newline)
        putchar('\n');
    return app_finish(0);
}
