/*
 * apps/sh/main.c — the KPIO shell: start-up, the interactive loop, scripts.
 *
 *   sh                     interactive when standard input is a terminal
 *   sh -i                  interactive (line editing) whatever stdin is
 *   sh -c COMMANDS [NAME [ARG...]]
 *   sh FILE [ARG...]       run a script; $0 is FILE, $1... the ARGs
 *
 * Interactively, the prompt and the line being edited go to standard
 * error (as other shells do), commands are read with the line editor
 * (lineedit.c) with the terminal in raw mode, and history is kept in
 * $HOME/.sh_history when $HOME is set. Otherwise commands are read from
 * standard input a byte at a time, so that programs the shell starts can
 * read the rest of it.
 */
#include <errno.h>
#include <kpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "sh.h"

extern char **environ;

static char *history_file(void)
{
    const char *home = var_get("HOME");
    if (!home || !*home)
        return NULL;
    return app_join_path(home, ".sh_history");
}

/* A line from fd 0 without reading past it; NULL at end of input. */
static char *read_raw_line(void)
{
    size_t len = 0, cap = 128;
    char *line = app_xmalloc(cap);
    for (;;) {
        char c;
        ssize_t n = read(0, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (len == 0) {
                free(line);
                return NULL;
            }
            break;
        }
        if (c == '\n')
            break;
        if (len + 2 > cap)
            line = app_xrealloc(line, cap *= 2);
        line[len++] = c;
    }
    line[len] = 0;
    return line;
}

static char *make_prompt(bool continuation)
{
    const char *ps = var_get(continuation ? "PS2" : "PS1");
    if (ps)
        return app_xstrdup(ps);
    if (continuation)
        return app_xstrdup("> ");
    const char *pwd = var_get("PWD");
    size_t n = strlen(pwd ? pwd : "/") + 8;
    char *p = app_xmalloc(n);
    snprintf(p, n, "%s $ ", pwd ? pwd : "/");
    return p;
}

static char *read_command_line(bool continuation, bool raw_terminal)
{
    if (!sh.interactive)
        return read_raw_line();
    char *prompt = make_prompt(continuation);
    if (raw_terminal)
        kpio_term_set_mode(0, KPIO_TERM_RAW);
    char *line = lineedit_read(prompt, 0, 2, complete_line);
    if (raw_terminal)
        kpio_term_set_mode(0, KPIO_TERM_COOKED);
    free(prompt);
    return line;
}

/* The read-eval loop over standard input. */
static int repl(void)
{
    bool raw_terminal = sh.interactive && kpio_term_set_mode(0, KPIO_TERM_COOKED) == KPIO_OK;
    char *hist = sh.interactive ? history_file() : NULL;
    if (hist)
        history_load(hist);
    char *pending = NULL;
    size_t pending_len = 0;
    while (!sh.exiting) {
        if (sh.interactive)
            exec_reap_background(true);
        char *line = read_command_line(pending != NULL, raw_terminal);
        if (!line) {
            if (pending) {
                fprintf(stderr, "%s: unexpected end of input\n", sh.name);
                sh.params.last_status = 2;
            }
            break;
        }
        size_t n = strlen(line);
        pending = app_xrealloc(pending, pending_len + n + 2);
        memcpy(pending + pending_len, line, n);
        pending_len += n;
        pending[pending_len++] = '\n';
        pending[pending_len] = 0;
        free(line);

        struct list l;
        char err[256];
        enum parse_status ps = parse_text(pending, &l, err, sizeof err);
        if (ps == PARSE_INCOMPLETE)
            continue;
        if (sh.interactive) {
            pending[pending_len - 1] = 0;   /* history without the newline */
            history_add(pending);
            if (hist)
                history_save_line(hist, pending);
        }
        if (ps == PARSE_ERROR) {
            fprintf(stderr, "%s: %s\n", sh.name, err);
            sh.params.last_status = 2;
        } else {
            sh.params.last_status = exec_list(&l);
            list_free(&l);
        }
        free(pending);
        pending = NULL;
        pending_len = 0;
    }
    free(pending);
    free(hist);
    exec_reap_background(false);
    return sh.exiting ? sh.exit_status : sh.params.last_status;
}

static int run_file(const char *path)
{
    int status = exec_file(path, 2);
    if (status < 0)
        return 127;
    return sh.exiting ? sh.exit_status : status;
}

int main(int argc, char **argv)
{
    app_init("sh");
    sh.name = "sh";
    vars_init(environ);
    if (!var_get("PATH"))
        var_set("PATH", "/bin", true);
    if (!var_get("PWD") || var_get("PWD")[0] != '/') {
        char cwd[1024];
        var_set("PWD", getcwd(cwd, sizeof cwd) ? cwd : "/", true);
    }
    kpio_pid self = 0;
    kpio_proc_self(&self);
    sh.params.shell_pid = self;
    sh.params.argc = 1;
    sh.params.argv = argv;

    bool force_interactive = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        if (strcmp(argv[i], "-i") == 0) {
            force_interactive = true;
        } else if (strcmp(argv[i], "-c") == 0) {
            if (i + 1 >= argc)
                app_usage(2, "[-i] [-c COMMANDS [NAME [ARG...]] | FILE [ARG...]]");
            const char *text = argv[i + 1];
            sh.params.argv = argv + i + 2;
            sh.params.argc = argc - i - 2;
            if (sh.params.argc == 0) {
                sh.params.argv = argv;
                sh.params.argc = 1;
            }
            int status = exec_text(text, "-c");
            exec_reap_background(false);
            return sh.exiting ? sh.exit_status : status;
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            app_usage(2, "[-i] [-c COMMANDS [NAME [ARG...]] | FILE [ARG...]]");
        }
    }
    if (i < argc) {
        sh.name = argv[i];
        sh.params.argv = argv + i;
        sh.params.argc = argc - i;
        return run_file(argv[i]);
    }
    sh.interactive = force_interactive || isatty(0);
    return repl();
}
