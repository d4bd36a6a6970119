/*
 * apps/common/app.h — the small library the KPIO core utilities share:
 * start-up (program name, working directory), error messages in the usual
 * "prog: what: why" form, number parsing, and file helpers.
 */
#ifndef KPIO_APP_H
#define KPIO_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Set the name used in messages, and enter the directory named by $PWD
 * (KPIO's shell passes its working directory that way; WASI has none).
 * Call first in main. */
void app_init(const char *name);
const char *app_name(void);

/* "name: message\n" on stderr. */
void app_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "name: what: strerror(errno)\n" on stderr. */
void app_warn_errno(const char *what);
/* app_warn, then exit(status). */
_Noreturn void app_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "name: usage: text\n", exit 2 (or 1 where POSIX says so; the caller picks). */
_Noreturn void app_usage(int status, const char *text);

/* Parse a whole decimal number into *out; false if s is not one or it
 * does not fit. */
bool app_parse_u64(const char *s, uint64_t *out);
bool app_parse_i64(const char *s, int64_t *out);

/* "1.5K", "23M", ... (powers of 1024, one decimal below 10) into buf. */
void app_human_size(uint64_t bytes, char *buf, size_t cap);

/* The file operands after the options (argv + optind), or just "-" (standard
 * input) when there are none; *n gets how many. */
char **app_operands(int argc, char **argv, int *n);

/* head and tail: accept the obsolete first argument "-N" as a count (it is
 * taken out of argv). Returns true if it was there. */
bool app_obsolete_count(int *argc, char ***argv, uint64_t *count);
/* head and tail: the value of -n or -c ("[+|-]N"): the count, and its sign
 * ('+', '-' or 0). Exits with a message when it is not a number. */
void app_count_option(int option, const char *value, uint64_t *count, char *sign);
/* "==> NAME <==" before a file's part when several files are shown ("-" is
 * "standard input"), with a blank line before all but the first. */
void app_file_header(const char *name, bool first);

/* Open operand files[i] for a loop over the operands, first printing its
 * header when show_header (see app_file_header). NULL, with a message and
 * *status set to 1, when it cannot be opened. */
FILE *app_open_operand(char **files, int i, bool show_header, int *status);

/* Open a file operand for reading: "-" is stdin. NULL after a message. */
FILE *app_open_input(const char *path);
void app_close_input(FILE *f);

/* Copy everything from in to out; false on an error (errno set). */
bool app_copy_stream(FILE *in, FILE *out);

/* Flush stdout; on failure (a full disk, a closed pipe) say so and return
 * false. Utilities end with `return app_finish(status);`. */
int app_finish(int status);

/* Join dir and name with one '/' into a malloc'd string (exits on ENOMEM). */
char *app_join_path(const char *dir, const char *name);
/* The last component of path (no allocation; "a/b/" gives "b/"). */
const char *app_basename(const char *path);

void *app_xmalloc(size_t n);
void *app_xrealloc(void *p, size_t n);
char *app_xstrdup(const char *s);

#endif
