/*
 * apps/common/app.c — shared helpers of the core utilities (see app.h).
 */
#include "app.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *prog = "app";

void app_init(const char *name)
{
    prog = name;
    const char *pwd = getenv("PWD");
    if (pwd && pwd[0] == '/')
        chdir(pwd);   /* a stale $PWD leaves us at "/", as a fresh start would */
}

const char *app_name(void)
{
    return prog;
}

static void vwarn(const char *fmt, va_list ap)
{
    fflush(stdout);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void app_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
}

void app_warn_errno(const char *what)
{
    int e = errno;
    app_warn("%s: %s", what, strerror(e));
}

void app_die(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    exit(status);
}

void app_usage(int status, const char *text)
{
    fprintf(stderr, "usage: %s %s\n", prog, text);
    exit(status);
}

bool app_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool app_parse_i64(const char *s, int64_t *out)
{
    bool negative = s && (*s == '-' || *s == '+') ? *s++ == '-' : false;
    uint64_t v;
    if (!app_parse_u64(s, &v) || v > (uint64_t)INT64_MAX + negative)
        return false;
    *out = negative ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

void app_human_size(uint64_t bytes, char *buf, size_t cap)
{
    static const char units[] = "BKMGTPE";
    if (bytes < 1024) {
        snprintf(buf, cap, "%llu", (unsigned long long)bytes);
        return;
    }
    int unit = 0;
    double v = (double)bytes;
    while (v >= 1024 && unit < 6) {
        v /= 1024;
        unit++;
    }
    /* round up, as df -h and ls -h do */
    if (v < 10) {
        double tenths = (double)(uint64_t)(v * 10);
        if (tenths < v * 10)
            tenths += 1;
        if (tenths >= 100) {
            snprintf(buf, cap, "%d%c", 10, units[unit]);
            return;
        }
        snprintf(buf, cap, "%.1f%c", tenths / 10, units[unit]);
    } else {
        uint64_t whole = (uint64_t)v;
        if ((double)whole < v)
            whole++;
        if (whole >= 1024 && unit < 6) {
            snprintf(buf, cap, "1.0%c", units[unit + 1]);
            return;
        }
        snprintf(buf, cap, "%llu%c", (unsigned long long)whole, units[unit]);
    }
}

char **app_operands(int argc, char **argv, int *n)
{
    static char *stdin_only[] = { "-", NULL };
    if (optind < argc) {
        *n = argc - optind;
        return argv + optind;
    }
    *n = 1;
    return stdin_only;
}

bool app_obsolete_count(int *argc, char ***argv, uint64_t *count)
{
    char **v = *argv;
    if (*argc < 2 || v[1][0] != '-' || v[1][1] < '0' || v[1][1] > '9')
        return false;
    if (!app_parse_u64(v[1] + 1, count))
        app_die(1, "invalid number of lines: '%s'", v[1] + 1);
    v[1] = v[0];
    (*argv)++;
    (*argc)--;
    return true;
}

void app_count_option(int option, const char *value, uint64_t *count, char *sign)
{
    const char *digits = value;
    *sign = 0;
    if (*digits == '-' || *digits == '+')
        *sign = *digits++;
    if (!app_parse_u64(digits, count))
        app_die(1, "invalid number of %s: '%s'", option == 'c' ? "bytes" : "lines", value);
}

void app_file_header(const char *name, bool first)
{
    printf("%s==> %s <==\n", first ? "" : "\n", strcmp(name, "-") == 0 ? "standard input" : name);
}

FILE *app_open_input(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdin;
    FILE *f = fopen(path, "r");
    if (!f)
        app_warn_errno(path);
    return f;
}

FILE *app_open_operand(char **files, int i, bool show_header, int *status)
{
    FILE *in = app_open_input(files[i]);
    if (!in) {
        *status = 1;
        return NULL;
    }
    if (show_header)
        app_file_header(files[i], i == 0);
    return in;
}

void app_close_input(FILE *f)
{
    if (f && f != stdin)
        fclose(f);
    else if (f)
        clearerr(f);
}

bool app_copy_stream(FILE *in, FILE *out)
{
    char buf[16384];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            return false;
    return !ferror(in);
}

int app_finish(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE)
            app_warn_errno("write error");
        return status ? status : 1;
    }
    return status;
}

void *app_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        app_die(1, "out of memory");
    return p;
}

void *app_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        app_die(1, "out of memory");
    return p;
}

char *app_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(app_xmalloc(n), s, n);
}

char *app_join_path(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool slash = dl > 0 && dir[dl - 1] != '/';
    char *p = app_xmalloc(dl + slash + nl + 1);
    memcpy(p, dir, dl);
    if (slash)
        p[dl] = '/';
    memcpy(p + dl + slash, name, nl + 1);
    return p;
}

const char *app_basename(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    return path + n;
}
